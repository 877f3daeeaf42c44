import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import ChatMirror

/// `chat-mirror backup` / `restore`: one file with the SQLite database and the master key.
@Suite(.disabled(if: TestDatabase.postgresURL != nil, "backup and restore cover SQLite; PostgreSQL is backed up with pg_dump"))
struct BackupTests {
    private static func scratchDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cm-backup-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    /// A configuration for a fresh data directory whose master key lives in `master.key`.
    private static func config(dataDirectory: String) -> AppConfig {
        var config = Harness.config()
        config.masterKey = nil
        config.databaseURL = nil
        config.dataDirectory = dataDirectory
        return config
    }

    /// A small backup made from a store with one table, and the key it holds.
    private static func smallBackup(in directory: String) async throws -> (file: String, key: Data) {
        let source = config(dataDirectory: directory + "/source")
        try FileManager.default.createDirectory(atPath: source.dataDirectory, withIntermediateDirectories: true)
        let store = try await SQLiteStore.open(path: source.sqlitePath, logger: Logger(label: "test"))
        try await store.withSQL { sql in
            try await sql.raw("CREATE TABLE kept (v TEXT)").run()
            try await sql.raw("INSERT INTO kept VALUES ('from the backup')").run()
        }
        await store.close()
        let key = Data(repeating: 9, count: 32)
        try Data((key.base64EncodedString() + "\n").utf8).write(to: URL(fileURLWithPath: source.dataDirectory + "/master.key"))
        let file = directory + "/small.backup"
        try await Maintenance.backup(source, to: file)
        return (file, key)
    }

    @Test func aBackupOfARunningStoreRestoresIntoAFreshDataDirectoryWithItsDataAndSealedKeys() async throws {
        let work = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let restored = Self.config(dataDirectory: work + "/restored")
        let file = work + "/chat-mirror.backup"
        let conversation = try await Harness.withApp(configure: { $0.masterKey = nil }) { app in
            // set-up: a running app with a user, a conversation and an upstream account (its key sealed)
            let admin = try await app.loginAdmin()
            let (_, user) = try await app.makeUser("kept", admin: admin)
            let conversation = try await app.createConversation(user, title: "kept title")
            try await app.addAccount(baseURL: "http://127.0.0.1:9/v1", admin: admin)
            // act: back up while it runs
            try await Maintenance.backup(app.config, to: file)
            return conversation
        }
        // act: restore into a fresh data directory
        let outcome = try Maintenance.restore(restored, from: file)

        // check: private files, and an app started on them has the data
        #expect(outcome.warning == nil)
        #expect(try Self.mode(file) == 0o600)
        #expect(try Self.mode(restored.dataDirectory) == 0o700)
        #expect(try Self.mode(restored.dataDirectory + "/master.key") == 0o600)
        #expect(try Self.mode(restored.sqlitePath) == 0o600)
        let app = try await buildApplication(restored, console: { _ in })
        try await app.test(.router) { client in
            let tester = AppTester(client: client, config: restored)
            let user = try await tester.login("kept", "password-kept")
            let body = try await tester.request(.get, "/api/conversations/\(conversation)", session: user).json()
            #expect(body["title"] as? String == "kept title")
        }
        let store = try await SQLiteStore.open(path: restored.sqlitePath, logger: Logger(label: "test"))
        let accounts = try await AccountRepository(db: store, clock: SystemClock()).all()
        await store.close()
        let sealer = try KeySealer.load(config: restored)
        let sealed = try #require(accounts.first?.sealedCredential)
        #expect(accounts.count == 1)
        #expect(try sealer.open(sealed) == "sk-test-key-1234")
    }

    @Test func restoreRefusesBadFilesAndAnExistingDatabaseAndOverwritesNothing() async throws {
        // set-up: a good backup, damaged copies of it, and a data directory that already has a database and a key
        let work = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let (good, key) = try await Self.smallBackup(in: work)
        let goodBytes = try Data(contentsOf: URL(fileURLWithPath: good))
        func variant(_ name: String, _ bytes: Data) throws -> String {
            let path = work + "/" + name
            try bytes.write(to: URL(fileURLWithPath: path))
            return path
        }
        var flipped = goodBytes
        flipped[flipped.count - 10] ^= 0xFF
        let wrongVersion = String(decoding: goodBytes, as: UTF8.self).hasPrefix("chat-mirror-backup 1\n")
            ? Data("chat-mirror-backup 99\n".utf8) + goodBytes.dropFirst("chat-mirror-backup 1\n".utf8.count) : Data()
        let bad: [(path: String, says: String)] = [
            (work + "/missing.backup", "cannot read"),
            (try variant("empty.backup", Data()), "not a ChatMirror backup"),
            (try variant("random.backup", Data((0..<5000).map { _ in UInt8.random(in: 0...255) })), "not a ChatMirror backup"),
            (try variant("version.backup", wrongVersion), "format '99'"),
            (try variant("truncated.backup", goodBytes.dropLast(100)), "damaged or truncated"),
            (try variant("flipped.backup", flipped), "damaged or truncated"),
            (try variant("huge.backup", Data(("chat-mirror-backup 1\nmaster_key: \(key.base64EncodedString())\n"
                + "database_bytes: 99999999999999999999999\ndatabase_sha256: x\n\n").utf8)), "database_bytes"),
        ]
        let target = Self.config(dataDirectory: work + "/target")
        try FileManager.default.createDirectory(atPath: target.dataDirectory, withIntermediateDirectories: true)
        try Data("the database in use".utf8).write(to: URL(fileURLWithPath: target.sqlitePath))
        let existingKey = Data((Data(repeating: 1, count: 32).base64EncodedString() + "\n").utf8)
        try existingKey.write(to: URL(fileURLWithPath: target.dataDirectory + "/master.key"))
        let before = try FileManager.default.contentsOfDirectory(atPath: target.dataDirectory).sorted()

        for (path, says) in bad {
            // act: restore a bad file, even with --force
            let error = #expect(throws: BackupProblem.self) { try Maintenance.restore(target, from: path, force: true) }
            // check: a clear message, and nothing in the data directory changed
            #expect(error?.description.contains(says) == true, "\(path): \(error?.description ?? "")")
        }
        let refused = #expect(throws: BackupProblem.self) { try Maintenance.restore(target, from: good) }
        #expect(refused?.description.contains("--force") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.dataDirectory).sorted() == before)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target.sqlitePath)) == Data("the database in use".utf8))
        #expect(try Data(contentsOf: URL(fileURLWithPath: target.dataDirectory + "/master.key")) == existingKey)

        // act + check: with --force the good backup replaces both
        _ = try Maintenance.restore(target, from: good, force: true)
        let store = try await SQLiteStore.open(path: target.sqlitePath, logger: Logger(label: "test"))
        struct Row: Decodable { let v: String }
        let rows = try await store.withSQL { sql in try await sql.raw("SELECT v FROM kept").all(decoding: Row.self) }
        await store.close()
        #expect(rows.map(\.v) == ["from the backup"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: target.dataDirectory + "/master.key"))
            == Data((key.base64EncodedString() + "\n").utf8))
    }

    @Test func theCommandsExitNonZeroWithOneLineOnBadInputAndPointPostgreSQLToPgDump() async throws {
        let work = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let runs: [(arguments: [String], says: String)] = [
            (["restore", work + "/missing.backup", "--data-dir", work + "/data"], "chat-mirror: restore: cannot read"),
            (["backup", work + "/out.backup", "--data-dir", work + "/data"], "chat-mirror: backup: there is no database"),
            (["backup", work + "/out.backup", "--database-url", "postgres://u@127.0.0.1:1/db"], "pg_dump"),
        ]
        for run in runs {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ProcessTests.binary)
            process.arguments = run.arguments
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = Pipe()
            try process.run()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 1, "\(run.arguments)")
            #expect(text.contains(run.says) && text.split(separator: "\n").count == 1, "\(run.arguments): \(text)")
        }
        #expect(!FileManager.default.fileExists(atPath: work + "/out.backup"))
        #expect(!FileManager.default.fileExists(atPath: work + "/data/chat-mirror.sqlite"))
    }
}
