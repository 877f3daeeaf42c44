import Foundation

/// Role of a user: admins run the console.
public enum UserRole: String, Sendable, Codable, CaseIterable { case admin, user }
/// Disabled users cannot sign in and lose their sessions.
public enum UserStatus: String, Sendable, Codable, CaseIterable { case active, disabled }
/// Which upstream accounts a user's turns may use.
public enum AccessMode: String, Sendable, Codable, CaseIterable { case dedicated, shared, mixed }

/// A user as stored.
public struct User: Sendable, Decodable, Equatable {
    public let id: Int
    public var username: String
    public var displayName: String
    public var passwordHash: String
    public var role: String
    public var status: String
    public var planId: Int?
    public var accessMode: String
    public var allowedModels: String?
    public var createdAt: Int
    public var updatedAt: Int
    public var lastLoginAt: Int?

    var isAdmin: Bool { role == UserRole.admin.rawValue }
    var isActive: Bool { status == UserStatus.active.rawValue }

    /// The allowed-models override, if any (`nil` = whatever the pool serves).
    var allowedModelList: [String]? {
        guard let allowedModels, let data = allowedModels.data(using: .utf8) else { return nil }
        return try? JSONDecoder().decode([String].self, from: data)
    }

    /// Case-insensitive uniqueness key of a username.
    static func key(_ username: String) -> String { username.trimmingCharacters(in: .whitespaces).lowercased() }
}

/// A user as the API shows it.
struct UserView: Encodable {
    let id: Int
    let username: String
    let displayName: String
    let role: String
    let status: String
    let accessMode: String
    let planId: Int?
    let allowedModels: [String]?
    let createdAt: String?
    let lastLoginAt: String?

    init(_ user: User) {
        id = user.id
        username = user.username
        displayName = user.displayName
        role = user.role
        status = user.status
        accessMode = user.accessMode
        planId = user.planId
        allowedModels = user.allowedModelList
        createdAt = ISOTime.string(millis: user.createdAt)
        lastLoginAt = ISOTime.string(millis: user.lastLoginAt)
    }
}
