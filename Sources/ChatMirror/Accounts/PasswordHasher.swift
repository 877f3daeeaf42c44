import HummingbirdBcrypt
import NIOPosix

/// bcrypt off the event loops: hashing is deliberately slow.
struct PasswordHasher: Sendable {
    let cost: Int

    func hash(_ password: String) async throws -> String {
        let cost = UInt8(cost)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Password rules for every place a password is set.
    static func validate(_ password: String, field: String = "password") throws {
        guard password.count >= 8 else { throw AppError.invalid("field '\(field)' must be at least 8 characters") }
        guard password.count <= 256 else { throw AppError.invalid("field '\(field)' must be at most 256 characters") }
    }
}
