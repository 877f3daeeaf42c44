import Foundation
import Logging
import PostgresKit
import ServiceLifecycle
import SQLKit

/// PostgreSQL through PostgresNIO's pooled client; its `run()` is a Service of the application.
final class PostgresStore: AppDatabase, Service {
    let kind = DatabaseKind.postgres
    let client: PostgresClient
    private let logger: Logger

    init(url: String, maxConnections: Int = 20, logger: Logger) throws {
        let configuration: SQLPostgresConfiguration
        do {
            configuration = try SQLPostgresConfiguration(url: url)
        } catch {
            throw ConfigProblem(key: "database.url", problem: "not a valid postgres:// URL")
        }
        var clientConfig = PostgresClient.Configuration(
            host: configuration.coreConfiguration.host ?? "127.0.0.1",
            port: configuration.coreConfiguration.port ?? 5432,
            username: configuration.coreConfiguration.username,
            password: configuration.coreConfiguration.password,
            database: configuration.coreConfiguration.database,
            tls: .disable
        )
        let query = URLComponents(string: url)?.queryItems ?? []
        switch query.first(where: { $0.name == "sslmode" })?.value {
        case "require", "verify-full", "verify-ca": clientConfig.tls = .require(.makeClientConfiguration())
        case "prefer": clientConfig.tls = .prefer(.makeClientConfiguration())
        default: break
        }
        clientConfig.options.minimumConnections = 0
        clientConfig.options.maximumConnections = maxConnections
        client = PostgresClient(configuration: clientConfig, backgroundLogger: logger)
        self.logger = logger
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.client.run()
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
