import Foundation
import Logging
@testable import ChatMirror

/// A store of its own for each test: a temp SQLite file, or a fresh PostgreSQL database when TEST_DATABASE_URL is set.
enum TestDatabase {
    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Fills `config` with a fresh store; the returned closure removes it.
    static func prepare(_ config: inout AppConfig) async throws -> @Sendable () async -> Void {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cm-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        config.dataDirectory = dir
        guard let base = postgresURL else {
            config.databaseURL = nil
            return { try? FileManager.default.removeItem(atPath: dir) }
        }
        let name = "cm_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await admin(base) { store in
            try await store.withSQL { sql in try await sql.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
        }
        var components = URLComponents(string: base)
        components?.path = "/" + name
        config.databaseURL = components?.string ?? base
        return {
            try? await admin(base) { store in
                try await store.withSQL { sql in try await sql.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run() }
            }
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    private static func admin(_ url: String, _ body: (PostgresStore) async throws -> Void) async throws {
        let store = try PostgresStore(url: url, logger: Logger(label: "test-db"))
        try await store.whileRunning { try await body(store) }
    }
}
