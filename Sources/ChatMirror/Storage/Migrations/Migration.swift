import Logging
import SQLKit

/// One schema step; applied once, in order, and recorded in `schema_migrations`.
protocol Migration: Sendable {
    /// Increasing number; never reused.
    var version: Int { get }
    /// Short description.
    var name: String { get }
    /// The DDL statements for this engine.
    func statements(for kind: DatabaseKind) -> [String]
}

/// Applies pending migrations; on PostgreSQL under an advisory lock so instances starting together agree.
enum Migrator {
    static let all: [any Migration] = [
        InitialSchema(), APIKeysSchema(), QuotaSchema(), AlertsSchema(), DisabledModelsSchema(), StopRequestsSchema(),
        QuotaCountersSchema(), RelayFidelitySchema(), SealedProxyURLSchema(), CallLivenessSchema(), PinnedConversationsSchema(),
    ]

    static func migrate(_ database: any AppDatabase, logger: Logger) async throws {
        try await database.withSQL { sql in
            try await sql.raw(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
            ).run()
        }
        if database.kind == .postgres {
            try await database.transaction { sql in
                try await sql.raw("SELECT pg_advisory_xact_lock(727274)").run()
                try await apply(sql, kind: database.kind, logger: logger)
            }
        } else {
            try await database.transaction { sql in try await apply(sql, kind: database.kind, logger: logger) }
        }
    }

    private static func apply(_ sql: any SQLDatabase, kind: DatabaseKind, logger: Logger) async throws {
        struct Row: Decodable { let version: Int }
        let done = Set(try await sql.raw("SELECT version FROM schema_migrations").all(decoding: Row.self).map(\.version))
        for migration in all where !done.contains(migration.version) {
            for statement in migration.statements(for: kind) {
                try await sql.raw(SQLQueryString(statement)).run()
            }
            try await sql.insert(into: "schema_migrations")
                .columns("version", "name", "applied_at")
                .values(SQLBind(migration.version), SQLBind(migration.name), SQLBind(SystemClock().nowMillis()))
                .run()
            logger.info("applied migration", metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"])
        }
    }
}
