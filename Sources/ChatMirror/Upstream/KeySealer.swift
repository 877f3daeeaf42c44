import Crypto
import Foundation

/// Seals upstream credentials at rest with AES-GCM under the master key.
struct KeySealer: Sendable {
    private let keyBytes: Data
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    init(key: SymmetricKey) { keyBytes = key.withUnsafeBytes { Data($0) } }

    /// The master key from configuration, or the one in the data directory (created with mode 0600).
    static func load(config: AppConfig) throws -> KeySealer {
        if let configured = config.masterKey {
            guard let data = Data(base64Encoded: configured), data.count == 32 else {
                throw ConfigProblem(key: "security.master_key", problem: "must be base64 of exactly 32 bytes")
            }
            return KeySealer(key: SymmetricKey(data: data))
        }
        let path = (config.dataDirectory as NSString).appendingPathComponent("master.key")
        if FileManager.default.fileExists(atPath: path) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                  let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32
            else { throw ConfigProblem(key: "security.master_key", problem: "\(path) is unreadable or not base64 of 32 bytes") }
            return KeySealer(key: SymmetricKey(data: data))
        }
        let key = SymmetricKey(size: .bits256)
        let text = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigProblem(key: "data.dir", problem: "cannot write \(path)")
        }
        return KeySealer(key: key)
    }

    func seal(_ plaintext: String) throws -> String {
        let box = try AES.GCM.seal(Data(plaintext.utf8), using: key)
        guard let combined = box.combined else { throw AppError(.internalServerError, "internal", "sealing failed") }
        return combined.base64EncodedString()
    }

    func open(_ sealed: String) throws -> String {
        guard let data = Data(base64Encoded: sealed) else { throw AppError(.internalServerError, "internal", "sealed key is corrupt") }
        let box = try AES.GCM.SealedBox(combined: data)
        return String(decoding: try AES.GCM.open(box, using: key), as: UTF8.self)
    }

    /// An opaque, stable id for a user, for upstreams that want to tell end users apart: an HMAC of the user's id
    /// under a key derived from the master key, so it reveals nothing and differs between installations.
    func opaqueUserId(_ userId: Int) -> String {
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("chat-mirror upstream user id".utf8), outputByteCount: 32)
        let mac = HMAC<SHA256>.authenticationCode(for: Data("user:\(userId)".utf8), using: derived)
        return "cm-" + mac.prefix(12).map { String(format: "%02x", $0) }.joined()
    }

    /// What the API shows of a key: its first and last characters.
    static func mask(_ key: String) -> String {
        guard key.count > 8 else { return String(repeating: "•", count: max(4, key.count)) }
        let prefix = key.hasPrefix("sk-") ? "sk-" : String(key.prefix(2))
        return "\(prefix)...\(key.suffix(4))"
    }
}
