import Foundation
import HummingbirdTesting
import SQLKit
import Testing
@testable import ChatMirror

/// Issue #18: what is on disk is the server's alone, and sealed with the right key.
@Suite struct AtRestTests {
    private func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
    }

    /// Before: the database, its WAL and shm were 0644 in a 0755 directory.
    @Test func theDataDirectoryIs0700AndTheDatabaseFiles0600EvenIfMadeWider() async throws {
        // Setup: what an older version left behind: a 0755 directory with a 0644 database.
        var config = Harness.config()
        let cleanup = try await TestDatabase.prepare(&config)
        defer { Task { await cleanup() } }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: config.dataDirectory)
        if TestDatabase.postgresURL == nil {
            FileManager.default.createFile(atPath: config.sqlitePath, contents: nil, attributes: [.posixPermissions: 0o644])
        }
        // Act: start and write something.
        let app = try await buildApplication(config, console: { _ in })
        let finalConfig = config
        try await app.test(.router) { client in
            let tester = AppTester(client: client, config: finalConfig)
            let admin = try await tester.loginAdmin()
            _ = try await tester.makeUser("disk", admin: admin)
            // Check (with PostgreSQL and a configured master key the data directory is not used at all)
            if TestDatabase.postgresURL == nil {
                #expect(mode(finalConfig.dataDirectory) == 0o700)
                for suffix in ["", "-wal", "-shm"] {
                    #expect(mode(finalConfig.sqlitePath + suffix) == 0o600, "chat-mirror.sqlite\(suffix)")
                }
            }
        }
    }

    /// Before: an account's proxy_url kept "user:password@" in clear in the database.
    @Test func proxyCredentialsAreSealedOnWriteAndExistingOnesAtStart() async throws {
        var config = Harness.config()
        let cleanup = try await TestDatabase.prepare(&config)
        defer { Task { await cleanup() } }
        let finalConfig = config
        let sealer = try KeySealer.load(config: config)
        // Act 1: the admin sets a proxy with a password.
        let first = try await buildApplication(config, console: { _ in })
        let id = try await first.test(.router) { client in
            let tester = AppTester(client: client, config: finalConfig)
            let admin = try await tester.loginAdmin()
            let id = try await tester.addAccount(baseURL: "http://127.0.0.1:9/v1", admin: admin,
                                                 extra: #","proxy_url":"http://user:s3cret-pass@127.0.0.1:3128""#)
            let shown = try await tester.request(.get, "/api/admin/accounts/\(id)", session: admin).json()
            #expect(shown["proxy_url"] as? String == "http://user:***@127.0.0.1:3128")
            return id
        }
        // Check 1: nothing in clear; the sealed URL opens to the original.
        let stored = try await StoreAccess.with(config) { db in try await AccountRepository(db: db, clock: SystemClock()).find(id: id) }
        #expect(stored?.proxyUrl?.contains("s3cret") == false)
        #expect(try stored?.sealedProxyUrl.map { try sealer.open($0) } == "http://user:s3cret-pass@127.0.0.1:3128")

        // Act 2: a row as stored before M0009 (in clear); the next start seals it.
        try await StoreAccess.with(config) { db in
            try await db.withSQL { sql in
                try await sql.raw("""
                    UPDATE upstream_accounts SET proxy_url = 'http://old:plain-pass@10.0.0.1:8080', sealed_proxy_url = NULL WHERE id = \(bind: id)
                    """).run()
            }
        }
        let second = try await buildApplication(config, console: { _ in })
        try await second.test(.router) { _ in }
        let migrated = try await StoreAccess.with(config) { db in try await AccountRepository(db: db, clock: SystemClock()).find(id: id) }
        #expect(migrated?.proxyUrl == "http://old:***@10.0.0.1:8080")
        #expect(try migrated?.sealedProxyUrl.map { try sealer.open($0) } == "http://old:plain-pass@10.0.0.1:8080")
    }

    @Test func aKeyThatDoesNotOpenTheSealedDataIsRefused() async throws {
        let right = KeySealer(key: .init(size: .bits256))
        let wrong = KeySealer(key: .init(size: .bits256))
        let sealed = try right.seal("sk-upstream")
        try right.checkOpens(sealed)
        try wrong.checkOpens(nil)  // nothing sealed yet: any key will do
        let problem = #expect(throws: ConfigProblem.self) { try wrong.checkOpens(sealed) }
        #expect(problem?.description.contains("CHAT_MIRROR_MASTER_KEY") == true)
        #expect(problem?.description.contains("\n") == false)
    }
}
