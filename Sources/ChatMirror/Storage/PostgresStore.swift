import Foundation
import Logging
import PostgresKit
import ServiceLifecycle
import SQLKit
import Synchronization

/// PostgreSQL through PostgresNIO's pooled client; its `run()` is a Service of the application.
final class PostgresStore: AppDatabase, Service {
    let kind = DatabaseKind.postgres
    let client: PostgresClient
    private let logger: Logger
    private let probeConfiguration: PostgresConnection.Configuration
    private let probe = Mutex(ProbeState())

    /// The ping's own connection, and whether the store has stopped: a stopped store keeps no connection open (one
    /// still open when the store goes away stops the process).
    private struct ProbeState {
        var connection: PostgresConnection?
        var stopped = false
    }

    init(url: String, maxConnections: Int = 20, logger: Logger) throws {
        let configuration: SQLPostgresConfiguration
        do {
            configuration = try SQLPostgresConfiguration(url: url)
        } catch {
            throw ConfigProblem(key: "database.url", problem: "not a valid postgres:// URL")
        }
        let host = configuration.coreConfiguration.host ?? "127.0.0.1"
        let port = configuration.coreConfiguration.port ?? 5432
        var clientConfig = PostgresClient.Configuration(
            host: host,
            port: port,
            username: configuration.coreConfiguration.username,
            password: configuration.coreConfiguration.password,
            database: configuration.coreConfiguration.database,
            tls: .disable
        )
        var probe = PostgresConnection.Configuration(
            host: host, port: port, username: configuration.coreConfiguration.username,
            password: configuration.coreConfiguration.password, database: configuration.coreConfiguration.database,
            tls: .disable)
        let query = URLComponents(string: url)?.queryItems ?? []
        switch query.first(where: { $0.name == "sslmode" })?.value {
        case "require", "verify-full", "verify-ca":
            clientConfig.tls = .require(.makeClientConfiguration())
            probe.tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case "prefer":
            clientConfig.tls = .prefer(.makeClientConfiguration())
            probe.tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        default: break
        }
        clientConfig.options.minimumConnections = 0
        clientConfig.options.maximumConnections = maxConnections
        client = PostgresClient(configuration: clientConfig, backgroundLogger: logger)
        self.logger = logger
        // As long as the pool's: a stopped database refuses at once, a frozen one is seen by the probe's deadline, and a
        // loaded one is still reached.
        probe.options.connectTimeout = TimeAmount(clientConfig.options.connectTimeout)
        probeConfiguration = probe
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.client.run()
        }
        await stopProbe()
    }

    /// On a connection of its own, outside the pool: a pool whose connections are all serving requests is not a
    /// database that is down, and a stopped database fails the ping at once instead of queueing it behind retries.
    func ping() async throws {
        do {
            try await pingOnProbeConnection()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "53300" {
            // "too many clients" is an answer: the database is up, and the pool's own connections still serve.
        }
    }

    private func pingOnProbeConnection() async throws {
        let connection = try await openProbeConnection()
        do {
            try await connection.query("SELECT 1", logger: logger)
        } catch {
            probe.withLock { if $0.connection === connection { $0.connection = nil } }
            try? await connection.close()
            throw error
        }
    }

    /// The open probe connection, or a new one; one that opens after the store stopped is closed, not kept.
    private func openProbeConnection() async throws -> PostgresConnection {
        let current = try probe.withLock { state -> PostgresConnection? in
            guard !state.stopped else { throw StoreStopped() }
            return state.connection
        }
        if let current, !current.isClosed { return current }
        let connection = try await PostgresConnection.connect(configuration: probeConfiguration, id: 0, logger: logger)
        let (kept, replaced) = probe.withLock { state -> (Bool, PostgresConnection?) in
            guard !state.stopped else { return (false, nil) }
            defer { state.connection = connection }
            return (true, state.connection)
        }
        try? await replaced?.close()
        guard kept else {
            try? await connection.close()
            throw StoreStopped()
        }
        return connection
    }

    /// Closes the probe connection for good; later pings fail with `StoreStopped`.
    private func stopProbe() async {
        let open = probe.withLock { state -> PostgresConnection? in
            state.stopped = true
            return state.connection.take()
        }
        try? await open?.close()
    }

    func withSQL<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await body(connection.sql(queryLogLevel: .trace, logger: logger))
        }
    }

    func transaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            let sql = connection.sql(queryLogLevel: .trace, logger: logger)
            try await sql.raw("BEGIN").run()
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

    /// Closes the probe connection; the pool's connections close when `run()` or `whileRunning` ends.
    func close() async { await stopProbe() }

    /// Runs `body` while the client's pool is running (for one-shot commands outside the server).
    func whileRunning<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The group waits for this task, so the probe connection is closed before this returns.
            group.addTask {
                await self.client.run()
                await self.stopProbe()
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}
