import Foundation

/// The data directory and the database files hold every user's history and the sealed credentials: they are
/// readable by the server's user alone (directory 0700, files 0600), also when an older version made them wider.
enum PrivateFiles {
    /// Creates the directory with mode 0700, or narrows an existing one to it.
    static func prepareDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw ConfigProblem(key: "data.dir", problem: "cannot create '\(path)': \(error.localizedDescription)")
        }
        narrow(path, to: 0o700)
    }

    /// Creates an empty file with mode 0600 when `create` and it is missing (SQLite takes an empty file as a new
    /// database, and gives its -wal and -shm files the database file's mode), or narrows an existing one to 0600.
    static func restrictFile(_ path: String, create: Bool = false) {
        if create, !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        narrow(path, to: 0o600)
    }

    /// Takes group and other permissions away; a path that is missing or not ours is left as it is (the server
    /// still runs, as the operator set it up).
    private static func narrow(_ path: String, to mode: Int) {
        guard let current = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int,
              current & 0o077 != 0 else { return }
        try? FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }
}
