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
    private let probeConnection = Mutex<PostgresConnection?>(nil)

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
        probe.options.connectTimeout = .seconds(2)
        probeConfiguration = probe
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.client.run()
        }
        try? await probeConnection.withLock { $0.take() }?.close()
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
        let connection: PostgresConnection
        if let open = probeConnection.withLock({ $0 }), !open.isClosed {
            connection = open
        } else {
            connection = try await PostgresConnection.connect(configuration: probeConfiguration, id: 0, logger: logger)
            let replaced = probeConnection.withLock { $0.take() }
            probeConnection.withLock { $0 = connection }
            try? await replaced?.close()
        }
        do {
            try await connection.query("SELECT 1", logger: logger)
        } catch {
            probeConnection.withLock { if $0 === connection { $0 = nil } }
            try? await connection.close()
            throw error
        }
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

    func close() async {}

    /// Runs `body` while the client's pool is running (for one-shot commands outside the server).
    func whileRunning<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.client.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}
