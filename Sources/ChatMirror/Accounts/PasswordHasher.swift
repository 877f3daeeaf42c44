import Crypto
import Foundation
import HummingbirdBcrypt
import NIOPosix
import Synchronization

/// bcrypt off the event loops: hashing is deliberately slow.
struct PasswordHasher: Sendable {
    let cost: Int
    private let dummy = DummyHash()

    init(cost: Int) { self.cost = cost }

    func hash(_ password: String) async throws -> String {
        let cost = UInt8(cost)
        let input = Self.bcryptInput(password)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(input, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        let input = Self.bcryptInput(password)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(input, hash: hash) }
    }

    /// A hash at the configured cost of a random password, verified against when a sign-in names no user, so it
    /// takes as long as a wrong password of a real user. Made once (call it at start-up) and kept.
    func dummyHash() async throws -> String {
        if let made = dummy.value.withLock({ $0 }) { return made }
        let made = try await hash(Tokens.password())
        return dummy.value.withLock { value in
            if let value { return value }
            value = made
            return made
        }
    }

    /// What bcrypt is given. bcrypt reads at most 72 bytes: a longer password is first reduced to the base64 of its
    /// SHA-256 (44 bytes), so every byte counts; a shorter one is given as it is, so hashes stored before stay valid.
    static func bcryptInput(_ password: String) -> String {
        let bytes = Data(password.utf8)
        guard bytes.count > 72 else { return password }
        return Data(SHA256.hash(data: bytes)).base64EncodedString()
    }

    /// Password rules for every place a password is set.
    static func validate(_ password: String, field: String = "password") throws {
        guard password.count >= 8 else { throw AppError.invalid("field '\(field)' must be at least 8 characters") }
        guard password.count <= 256 else { throw AppError.invalid("field '\(field)' must be at most 256 characters") }
        try refuseControlCharacters(password, field: field)
    }

    /// Refuses NUL (where bcrypt would stop reading) and every other control character, in any password sent.
    static func refuseControlCharacters(_ password: String, field: String = "password") throws {
        guard !password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw AppError.invalid("field '\(field)' must not contain control characters (NUL, tab, newline, ...)")
        }
    }
}

/// The dummy hash, once made.
private final class DummyHash: Sendable {
    let value = Mutex<String?>(nil)
}
