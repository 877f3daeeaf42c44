import Logging
import SQLKit

/// Which SQL engine backs the store; a few statements differ between them.
public enum DatabaseKind: String, Sendable {
    case sqlite
    case postgres
}

/// The store: SQLKit access with transactions, over SQLite or PostgreSQL.
public protocol AppDatabase: Sendable {
    /// The engine.
    var kind: DatabaseKind { get }
    /// Runs statements outside a transaction.
    func withSQL<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs statements in one transaction: committed when `body` returns, rolled back when it throws.
    func transaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T
    /// Closes connections.
    func close() async
}

extension AppDatabase {
    /// Checks the store answers (for `/readyz`).
    func ping() async throws {
        try await withSQL { sql in try await sql.raw("SELECT 1").run() }
    }

    /// DDL for an auto-increment integer primary key.
    var autoIncrementPrimaryKey: String {
        kind == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
    }
}

/// Opens the store named by the configuration.
enum DatabaseFactory {
    static func open(config: AppConfig, logger: Logger) async throws -> (any AppDatabase, PostgresStore?) {
        if let url = config.databaseURL, url.hasPrefix("postgres") {
            let store = try PostgresStore(url: url, maxConnections: config.databaseMaxConnections, logger: logger)
            return (store, store)
        }
        var path = config.sqlitePath
        if let url = config.databaseURL, url.hasPrefix("sqlite:") {
            path = String(url.dropFirst("sqlite:".count)).replacingOccurrences(of: "//", with: "")
        }
        return (try await SQLiteStore.open(path: path, logger: logger), nil)
    }
}
