import Foundation
import Logging
import PostgresNIO

/// Start-up work before the server takes requests: reach the store, migrate, refuse a master key that does not
/// open the sealed credentials, seal proxy credentials stored in clear, create the first admin, settle what a
/// crash interrupted, and warn when share links will follow the Host header.
struct Bootstrap: Sendable {
    let db: any AppDatabase
    let users: UserRepository
    let sweeper: CallSweeper
    let accounts: AccountRepository
    let sealer: KeySealer
    let hasher: PasswordHasher
    let config: AppConfig
    let logger: Logger
    let console: @Sendable (String) -> Void

    func run() async throws {
        try await reachDatabase()
        try await Migrator.migrate(db, logger: logger)
        try sealer.checkOpens(try await accounts.anySealedSecret())
        try await accounts.sealProxyCredentials(with: sealer)
        try await ensureAdmin()
        // This instance's first heartbeat; what a crash left (answers, calls, their quota and ledger) is settled.
        try await sweeper.sweepOnce()
        // Last, so that a start that fails says only why.
        if config.publicURL == nil {
            logger.warning("""
                http.public_url (HTTP_PUBLIC_URL) is not set: share links and other absolute URLs are built from the \
                Host header of the request that makes them; set it to the address your users open
                """)
        }
    }

    /// Waits until the store answers a ping. A database that is not there yet (refused or dropped connections, still
    /// starting up; SQLite busy) is tried again for 10 seconds; any other failure (a wrong password, no such
    /// database) stops at once. Each attempt is bounded by the connection's connect timeout, not by a deadline on the
    /// whole check, so a database that is only slow to answer (a loaded machine) is still reached.
    private func reachDatabase() async throws {
        let target = db.kind == .sqlite ? config.sqlitePath : Self.redact(config.databaseURL ?? "")
        let giveUp = ContinuousClock.now + .seconds(10)
        while true {
            do {
                return try await db.ping()
            } catch let error where StoreUnavailability.matches(error) && ContinuousClock.now < giveUp {
                try await Task.sleep(for: .milliseconds(250))
            } catch {
                throw ConfigProblem(key: "database.url", problem: "cannot reach \(target): \(Self.reason(error))")
            }
        }
    }

    /// One line an operator can act on (PostgresNIO's own description of its errors is deliberately generic).
    private static func reason(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] { return message }
        return error.underlying.map { "\($0)" } ?? "\(error.code)"
    }

    private func ensureAdmin() async throws {
        guard try await users.count() == 0 else { return }
        let generated = config.adminPassword == nil ? Tokens.password() : nil
        let password = config.adminPassword ?? generated ?? ""
        _ = try await users.create(NewUser(username: config.adminUsername, displayName: "Administrator",
                                           passwordHash: try await hasher.hash(password), role: .admin))
        logger.notice("created the first admin user", metadata: ["user.username": "\(config.adminUsername)"])
        if let generated {
            console("""
                ------------------------------------------------------------------
                ChatMirror first start: created the admin user '\(config.adminUsername)'.
                Password (shown only this once): \(generated)
                Sign in at /admin and change it in Settings.
                ------------------------------------------------------------------
                """)
        } else {
            console("ChatMirror first start: created the admin user '\(config.adminUsername)' with the configured password.")
        }
    }

    /// A database URL without its password, for messages.
    static func redact(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "the database" }
        if components.password != nil { components.password = "***" }
        return components.string ?? "the database"
    }
}
