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
    /// Checks the database answers a query, for the readiness probe (PostgreSQL: outside the pool, so a pool busy
    /// with requests is not mistaken for a database that is down); throws `StoreStopped` once the store is closed.
    func ping() async throws
}

/// A ping after the store was closed (the application is shutting down): not an outage.
struct StoreStopped: Error, CustomStringConvertible {
    var description: String { "the store is shut down" }
}

extension AppDatabase {

    /// DDL for an auto-increment integer primary key.
    var autoIncrementPrimaryKey: String {
        kind == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
    }
}

/// Opens the store named by the configuration.
enum DatabaseFactory {
    static func open(config: AppConfig, logger: Logger) async throws -> (any AppDatabase, PostgresStore?) {
        guard let path = sqlitePath(config) else {
            let store = try PostgresStore(url: config.databaseURL ?? "", maxConnections: config.databaseMaxConnections, logger: logger)
            return (store, store)
        }
        return (try await SQLiteStore.open(path: path, logger: logger), nil)
    }

    /// The SQLite file the configuration names, or nil when it names PostgreSQL.
    static func sqlitePath(_ config: AppConfig) -> String? {
        guard let url = config.databaseURL else { return config.sqlitePath }
        if url.hasPrefix("postgres") { return nil }
        if url.hasPrefix("sqlite:") {
            return String(url.dropFirst("sqlite:".count)).replacingOccurrences(of: "//", with: "")
        }
        return config.sqlitePath
    }
}
