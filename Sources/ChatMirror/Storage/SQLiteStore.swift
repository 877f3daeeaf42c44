import Foundation
import Logging
import SQLKit
import SQLiteKit

/// SQLite behind one connection; every use is serialised, so a transaction is never interleaved.
final class SQLiteStore: AppDatabase {
    let kind = DatabaseKind.sqlite
    private let connection: SQLiteConnection
    private let mutex = AsyncMutex()
    private let logger: Logger

    private init(connection: SQLiteConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Opens (creating) the file, in WAL mode with foreign keys on; the file and its -wal and -shm are mode 0600.
    static func open(path: String, logger: Logger) async throws -> SQLiteStore {
        let storage: SQLiteConnection.Storage = path == ":memory:" ? .memory : .file(path: path)
        if path != ":memory:" { PrivateFiles.restrictFile(path, create: true) }
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: storage, logger: logger).get()
        } catch {
            throw ConfigProblem(key: "database.url", problem: "cannot open SQLite database '\(path)': \(error)")
        }
        let store = SQLiteStore(connection: connection, logger: logger)
        try await store.withSQL { sql in
            try await sql.raw("PRAGMA journal_mode=WAL").run()
            try await sql.raw("PRAGMA synchronous=NORMAL").run()
            try await sql.raw("PRAGMA foreign_keys=ON").run()
            try await sql.raw("PRAGMA busy_timeout=5000").run()
        }
        // Made by an older version with the default umask: narrow them too.
        for suffix in ["-wal", "-shm"] where path != ":memory:" { PrivateFiles.restrictFile(path + suffix) }
        return store
    }

    func withSQL<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        let sql = connection.sql(queryLogLevel: .trace)
        return try await mutex.withLock { try await body(sql) }
    }

    func transaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        let sql = connection.sql(queryLogLevel: .trace)
        return try await mutex.withLock {
            try await sql.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(sql)
                try await sql.raw("COMMIT").run()
                return result
            } catch {
                try? await sql.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// Through the lock like every use of the one connection (it is not safe to share between threads).
    func ping() async throws {
        try await withSQL { sql in
            guard !connection.isClosed else { throw StoreStopped() }
            try await sql.raw("SELECT 1").run()
        }
    }

    /// Through the lock too: a ping still running when the application stops finishes before the connection closes.
    func close() async {
        try? await mutex.withLock { try await connection.close().get() }
    }
}
