import Foundation
import SQLKit
import Synchronization

/// Site settings an admin can change at run time.
struct SiteSettings: Codable, Sendable, Equatable {
    var siteName = "ChatMirror"
    var timezone = "UTC"
    var defaultPlanId: Int?
    var defaultAccessMode = "shared"
    var webhookURL: String?
    /// Lifetime of new sessions; nil: the `session.lifetime_hours` configuration.
    var sessionLifetimeHours: Int?

    var timeZone: TimeZone { Self.zone(named: timezone) }

    /// Time zones by name, made once each (making one reads the zone database from disk).
    private static let zones = Mutex<[String: TimeZone]>([:])

    private static func zone(named name: String) -> TimeZone {
        if let known = zones.withLock({ $0[name] }) { return known }
        let zone = TimeZone(identifier: name) ?? .gmt
        zones.withLock { $0[name] = zone }
        return zone
    }
}

/// SQL for the `settings` key-value table; the settings, read on every turn, are kept for a second (see
/// `StoreCache`), and `save` drops them.
struct SettingsRepository: Sendable {
    let db: any AppDatabase
    let clock: any AppClock
    private let cached = StoreCache<SiteSettings>()

    init(db: any AppDatabase, clock: any AppClock) {
        self.db = db
        self.clock = clock
    }

    func load() async throws -> SiteSettings {
        try await cached.value { try await read() }
    }

    private func read() async throws -> SiteSettings {
        struct Row: Decodable {
            let key: String
            let value: String
        }
        let rows = try await db.withSQL { sql in try await sql.raw("SELECT key, value FROM settings").all(decoding: Row.self) }
        var settings = SiteSettings()
        for row in rows {
            switch row.key {
            case "site_name": settings.siteName = row.value
            case "timezone": settings.timezone = row.value
            case "default_plan_id": settings.defaultPlanId = Int(row.value)
            case "default_access_mode": settings.defaultAccessMode = row.value
            case "webhook_url": settings.webhookURL = row.value
            case "session_lifetime_hours": settings.sessionLifetimeHours = Int(row.value)
            default: break
            }
        }
        return settings
    }

    func save(_ settings: SiteSettings) async throws {
        defer { cached.invalidate() }
        let values: [(String, String?)] = [
            ("site_name", settings.siteName), ("timezone", settings.timezone),
            ("default_plan_id", settings.defaultPlanId.map(String.init)), ("default_access_mode", settings.defaultAccessMode), ("webhook_url", settings.webhookURL),
            ("session_lifetime_hours", settings.sessionLifetimeHours.map(String.init)),
        ]
        let now = clock.nowMillis()
        try await db.transaction { sql in
            for (key, value) in values {
                try await sql.raw("DELETE FROM settings WHERE key = \(bind: key)").run()
                if let value {
                    try await sql.raw("INSERT INTO settings (key, value, updated_at) VALUES (\(bind: key), \(bind: value), \(bind: now))").run()
                }
            }
        }
    }
}
