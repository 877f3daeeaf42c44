import Foundation
import Logging
import SQLKit

extension Maintenance {
    static let postgresBackupAdvice = """
        the database is PostgreSQL: back it up with pg_dump and restore with pg_restore (docs/operations.md), \
        and keep the master key (DATA_DIR/master.key or CHAT_MIRROR_MASTER_KEY) with the dump
        """

    /// Writes one file (mode 0600) holding a consistent copy of the SQLite database, taken with `VACUUM INTO`
    /// while the server may be running, and the master key. Returns the database's size in bytes.
    @discardableResult
    public static func backup(_ config: AppConfig, to destination: String, force: Bool = false) async throws -> Int {
        guard let databasePath = DatabaseFactory.sqlitePath(config) else { throw BackupProblem(postgresBackupAdvice) }
        guard FileManager.default.fileExists(atPath: databasePath) else {
            throw BackupProblem("there is no database at \(databasePath) to back up")
        }
        let key = try currentMasterKey(config)
        if FileManager.default.fileExists(atPath: destination), !force {
            throw BackupProblem("\(destination) already exists; add --force to replace it")
        }
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("cm-backup-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let snapshot = (scratch as NSString).appendingPathComponent("snapshot.sqlite")
        let store: SQLiteStore
        do {
            store = try await SQLiteStore.open(path: databasePath, logger: Logger(label: "chat-mirror.backup"))
        } catch {
            throw BackupProblem("cannot open \(databasePath): \(error)")
        }
        do {
            try await store.withSQL { sql in try await sql.raw("VACUUM INTO \(bind: snapshot)").run() }
        } catch {
            await store.close()
            throw BackupProblem("cannot copy \(databasePath): \(error)")
        }
        await store.close()
        var size = 0
        try writePrivately(destination) { handle in
            size = try BackupFile.write(masterKey: key, databasePath: snapshot, to: handle)
        }
        return size
    }

    /// What a restore did, for the command to print.
    public struct RestoreOutcome: Sendable {
        /// The database file written.
        public let databasePath: String
        /// Set when the configured master key is not the one in the backup (the restored upstream keys would not open).
        public let warning: String?
    }

    /// Checks a backup and writes its database and master key into the configured data directory (0700, files
    /// 0600). Refuses to replace an existing database or a different master key unless `force`.
    public static func restore(_ config: AppConfig, from source: String, force: Bool = false) throws -> RestoreOutcome {
        guard let databasePath = DatabaseFactory.sqlitePath(config) else { throw BackupProblem(postgresBackupAdvice) }
        guard let handle = FileHandle(forReadingAtPath: source) else { throw BackupProblem("cannot read \(source)") }
        defer { try? handle.close() }
        let backup = try BackupFile.readHeader(handle, path: source)
        let keyPath = masterKeyPath(config)
        if !force {
            if FileManager.default.fileExists(atPath: databasePath) {
                throw BackupProblem(
                    "a database already exists at \(databasePath); stop the server and add --force to replace it")
            }
            if FileManager.default.fileExists(atPath: keyPath), (try? readKeyFile(keyPath)) != backup.masterKey {
                throw BackupProblem("\(keyPath) holds a different master key; add --force to replace it")
            }
        }
        try makePrivateDirectory((databasePath as NSString).deletingLastPathComponent)
        try makePrivateDirectory(config.dataDirectory)
        let staged = databasePath + ".restore-\(UUID().uuidString)"
        do {
            try writePrivately(staged) { try backup.extractDatabase(from: handle, to: $0, path: source) }
        } catch {
            try? FileManager.default.removeItem(atPath: staged)
            throw error
        }
        // A write-ahead log left from the replaced database would be applied to the restored one.
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: databasePath + suffix) }
        guard rename(staged, databasePath) == 0 else {
            try? FileManager.default.removeItem(atPath: staged)
            throw BackupProblem("cannot move the restored database into \(databasePath)")
        }
        let keyText = Data((backup.masterKey.base64EncodedString() + "\n").utf8)
        try writePrivately(keyPath) { try $0.write(contentsOf: keyText) }
        var warning: String?
        if let configured = config.masterKey, Data(base64Encoded: configured) != backup.masterKey {
            warning = "CHAT_MIRROR_MASTER_KEY differs from the backup's key (now in \(keyPath)): unset it, or set it to "
                + "that key, or the restored upstream API keys cannot be opened"
        }
        return RestoreOutcome(databasePath: databasePath, warning: warning)
    }

    private static func masterKeyPath(_ config: AppConfig) -> String {
        (config.dataDirectory as NSString).appendingPathComponent("master.key")
    }

    /// The key sealing upstream credentials: the configured one, else the data directory's file.
    private static func currentMasterKey(_ config: AppConfig) throws -> Data {
        if let configured = config.masterKey {
            guard let key = Data(base64Encoded: configured), key.count == 32 else {
                throw BackupProblem("CHAT_MIRROR_MASTER_KEY is not base64 of 32 bytes")
            }
            return key
        }
        let path = masterKeyPath(config)
        guard FileManager.default.fileExists(atPath: path) else {
            throw BackupProblem(
                "there is no master key at \(path); without it the backup's upstream API keys could not be opened")
        }
        return try readKeyFile(path)
    }

    private static func readKeyFile(_ path: String) throws -> Data {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let key = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), key.count == 32
        else { throw BackupProblem("\(path) is unreadable or not base64 of 32 bytes") }
        return key
    }

    private static func makePrivateDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        } catch {
            throw BackupProblem("cannot create the data directory \(path): \(error.localizedDescription)")
        }
    }

    /// Writes `path` through a 0600 temp file beside it, renamed into place only once complete.
    private static func writePrivately(_ path: String, _ body: (FileHandle) throws -> Void) throws {
        let temp = path + ".tmp-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: temp, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: temp)
        else { throw BackupProblem("cannot write \(path)") }
        do {
            try body(handle)
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temp)
            throw error is BackupProblem ? error : BackupProblem("cannot write \(path): \(error.localizedDescription)")
        }
        guard rename(temp, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temp)
            throw BackupProblem("cannot write \(path)")
        }
    }
}
