import ArgumentParser
import ChatMirror
import Foundation

/// `chat-mirror`: the ChatMirror server and its maintenance commands.
@main
struct ChatMirrorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat-mirror",
        abstract: "A self-hosted, multi-user ChatGPT mirror.",
        discussion: """
            Settings come from flags, then environment variables, then the config file named by --config or \
            CONFIG_PATH (JSON or YAML), then defaults. Every key is listed in docs/operations.md.
            """,
        subcommands: [Serve.self, Migrate.self, Backup.self, Restore.self, Admin.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every command shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "Config file, JSON or YAML (also CONFIG_PATH).")
    var config: String?
    @Option(name: .customLong("data-dir"), help: "Data directory for SQLite and the master key (DATA_DIR; default ./data).")
    var dataDir: String?
    @Option(name: .customLong("database-url"), help: "postgres://user:pass@host:port/db to use PostgreSQL (DATABASE_URL).")
    var databaseURL: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical (LOG_LEVEL).")
    var logLevel: String?
    @Option(help: "dev or prod (ENV).")
    var env: String?

    var flags: [String: String] {
        var flags: [String: String] = [:]
        flags["config"] = config
        flags["data.dir"] = dataDir
        flags["database.url"] = databaseURL
        flags["log.level"] = logLevel
        flags["env"] = env
        return flags
    }

    func load(extra: [String: String] = [:]) async throws -> AppConfig {
        do {
            return try await AppConfig.load(flags: flags.merging(extra) { $1 }, environment: ProcessInfo.processInfo.environment)
        } catch let problem as ConfigProblem {
            throw ValidationError(problem.description)
        }
    }
}

/// Runs the server (the default command).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the ChatMirror server (default).")
    @OptionGroup var common: CommonOptions
    @Option(help: "Address to listen on (HTTP_HOST; default 127.0.0.1).")
    var host: String?
    @Option(help: "Port to listen on (HTTP_PORT; default 8082).")
    var port: Int?

    func run() async throws {
        var extra: [String: String] = [:]
        extra["http.host"] = host
        extra["http.port"] = port.map(String.init)
        let config = try await common.load(extra: extra)
        do {
            try await ChatMirrorServer(config).runService()
        } catch let problem as ConfigProblem {
            FileHandle.standardError.write(Data("chat-mirror: \(problem.description)\n".utf8))
            throw ExitCode(78)
        }
    }
}

/// Applies database migrations and exits.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply database migrations and exit.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let config = try await common.load()
        try await Maintenance.migrate(config)
        print("migrations applied")
    }
}

/// Writes a backup of the SQLite database and the master key to one file.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Back up the SQLite database (while the server runs) and the master key to one file (mode 0600).",
        discussion: "With PostgreSQL, use pg_dump instead (docs/operations.md).")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The backup file to write.")
    var file: String
    @Flag(help: "Replace the backup file if it exists.")
    var force = false

    func run() async throws {
        let config = try await common.load()
        try await reportingBackupProblems("backup") {
            let bytes = try await Maintenance.backup(config, to: file, force: force)
            print("backed up \(bytes) bytes of database and the master key to \(file)")
        }
    }
}

/// Restores a backup into the data directory.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore a backup into the data directory (stop the server first).",
        discussion: "Refuses to replace an existing database or a different master key unless --force is given.")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The backup file to read.")
    var file: String
    @Flag(help: "Replace an existing database and master key.")
    var force = false

    func run() async throws {
        let config = try await common.load()
        try await reportingBackupProblems("restore") {
            let outcome = try Maintenance.restore(config, from: file, force: force)
            print("restored the database to \(outcome.databasePath) and the master key")
            if let warning = outcome.warning {
                FileHandle.standardError.write(Data("chat-mirror: warning: \(warning)\n".utf8))
            }
        }
    }
}

/// Runs a backup or restore; its problem becomes one line on standard error and exit code 1.
private func reportingBackupProblems(_ command: String, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let problem as BackupProblem {
        FileHandle.standardError.write(Data("chat-mirror: \(command): \(problem.description)\n".utf8))
        throw ExitCode(1)
    }
}

/// Admin maintenance.
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Admin maintenance.", subcommands: [ResetPassword.self])

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password", abstract: "Set a new password for a user (printed once unless --password is given); ends their sessions and share links.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The username.")
        var username: String
        @Option(help: "The new password (default: generated and printed).")
        var password: String?
        @Flag(help: "Keep the user's share links (by default a reset revokes them, like the user's sessions).")
        var keepShareLinks = false

        func run() async throws {
            let config = try await common.load()
            do {
                let password = try await Maintenance.resetPassword(config, username: username, password: password,
                                                                   keepShareLinks: keepShareLinks)
                print("new password for '\(username)': \(password)")
            } catch let problem as ConfigProblem {
                FileHandle.standardError.write(Data("chat-mirror: \(problem.description)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
