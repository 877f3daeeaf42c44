import Crypto
import Foundation

/// A problem with a backup or a restore, said in one line (the command prints it and exits non-zero).
public struct BackupProblem: Error, CustomStringConvertible {
    /// What went wrong and, where it helps, what to do.
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The backup file: a few text header lines, a blank line, then the SQLite database byte for byte.
///
///     chat-mirror-backup 1
///     master_key: <base64 of 32 bytes>
///     database_bytes: <count>
///     database_sha256: <hex>
///
///     <database>
///
/// The checksum catches a truncated or damaged copy before anything is overwritten.
struct BackupFile {
    static let magic = "chat-mirror-backup"
    static let version = 1
    /// Longest header accepted, so a file that is not a backup is rejected without reading it whole.
    static let maxHeaderBytes = 4096
    static let chunkBytes = 1 << 20

    var masterKey: Data
    var databaseBytes: Int
    var databaseSHA256: String

    /// Writes header and database (copied from `databasePath`) to `handle`; returns the database's size in bytes.
    static func write(masterKey: Data, databasePath: String, to handle: FileHandle) throws -> Int {
        let database = try FileHandle(forReadingFrom: URL(fileURLWithPath: databasePath))
        defer { try? database.close() }
        var hash = SHA256()
        var size = 0
        while let chunk = try database.read(upToCount: chunkBytes), !chunk.isEmpty {
            hash.update(data: chunk)
            size += chunk.count
        }
        let header = BackupFile(masterKey: masterKey, databaseBytes: size, databaseSHA256: hex(hash.finalize()))
        try handle.write(contentsOf: Data(header.encoded.utf8))
        try database.seek(toOffset: 0)
        var copied = 0
        while let chunk = try database.read(upToCount: chunkBytes), !chunk.isEmpty {
            try handle.write(contentsOf: chunk)
            copied += chunk.count
        }
        guard copied == size else { throw BackupProblem("the database copy changed while it was read") }
        return size
    }

    var encoded: String {
        """
        \(Self.magic) \(Self.version)
        master_key: \(masterKey.base64EncodedString())
        database_bytes: \(databaseBytes)
        database_sha256: \(databaseSHA256)


        """
    }

    /// Reads and checks the header of `handle`, leaving it at the first byte of the database.
    static func readHeader(_ handle: FileHandle, path: String) throws -> BackupFile {
        let start = (try handle.read(upToCount: maxHeaderBytes)) ?? Data()
        guard let end = start.range(of: Data("\n\n".utf8)) else {
            throw BackupProblem("\(path) is not a ChatMirror backup (no header)")
        }
        let text = String(decoding: start[..<end.lowerBound], as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let first = lines.first, first.hasPrefix(magic + " ") else {
            throw BackupProblem("\(path) is not a ChatMirror backup")
        }
        lines.removeFirst()
        let format = first.dropFirst(magic.count + 1)
        guard Int(format) == version else {
            throw BackupProblem("\(path) is a backup of format '\(format.prefix(20))'; this version reads format \(version)")
        }
        var fields: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else {
                throw BackupProblem("\(path): malformed header line '\(line.prefix(60))'")
            }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard let key = fields["master_key"].flatMap({ Data(base64Encoded: $0) }), key.count == 32 else {
            throw BackupProblem("\(path): the master key in the header is missing or not 32 bytes")
        }
        guard let bytes = fields["database_bytes"].flatMap({ Int($0) }), bytes > 0 else {
            throw BackupProblem("\(path): database_bytes is missing or not a positive number")
        }
        guard let digest = fields["database_sha256"], digest.count == 64 else {
            throw BackupProblem("\(path): database_sha256 is missing or malformed")
        }
        try handle.seek(toOffset: UInt64(end.upperBound - start.startIndex))
        return BackupFile(masterKey: key, databaseBytes: bytes, databaseSHA256: digest.lowercased())
    }

    /// Copies the database that follows the header to `destination`, checking its size and checksum.
    func extractDatabase(from handle: FileHandle, to destination: FileHandle, path: String) throws {
        var hash = SHA256()
        var copied = 0
        var first = true
        while let chunk = try handle.read(upToCount: Self.chunkBytes), !chunk.isEmpty {
            if first, !chunk.starts(with: Data("SQLite format 3\0".utf8)) {
                throw BackupProblem("\(path): the data after the header is not an SQLite database")
            }
            first = false
            hash.update(data: chunk)
            copied += chunk.count
            guard copied <= databaseBytes else { break }
            try destination.write(contentsOf: chunk)
        }
        guard copied == databaseBytes, Self.hex(hash.finalize()) == databaseSHA256 else {
            throw BackupProblem("\(path) is damaged or truncated: the database does not match its size and checksum")
        }
    }

    static func hex(_ digest: SHA256.Digest) -> String { digest.map { String(format: "%02x", $0) }.joined() }
}
