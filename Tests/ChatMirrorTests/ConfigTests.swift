import Foundation
import Testing
@testable import ChatMirror

@Suite struct ConfigTests {
    private func file(_ name: String, _ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cm-config-\(UUID().uuidString)-\(name)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func defaultsMatchTheDocumentedOnes() async throws {
        let config = try await AppConfig.load(flags: [:], environment: [:])
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 8082)
        #expect(config.dataDirectory == "./data")
        #expect(config.databaseURL == nil)
        #expect(config.sqlitePath == "./data/chat-mirror.sqlite")
        #expect(config.logLevel == .info)
        #expect(config.idleTimeoutSeconds == 60 && config.headerTimeoutSeconds == 10 && config.maxConnectionsPerAddress == 64)
        for spec in ConfigKeys.all { #expect(!spec.doc.isEmpty && !spec.environment.isEmpty) }
    }

    @Test func flagsBeatEnvironmentBeatsFileBeatsDefaults() async throws {
        let json = try file("c.json", #"{"http":{"port":9001,"host":"0.0.0.0"},"data":{"dir":"/tmp/from-file"},"log":{"level":"warning"}}"#)
        let fileOnly = try await AppConfig.load(flags: [:], environment: ["CONFIG_PATH": json])
        #expect(fileOnly.port == 9001)
        #expect(fileOnly.host == "0.0.0.0")
        #expect(fileOnly.logLevel == .warning)
        let envOverFile = try await AppConfig.load(flags: [:], environment: ["CONFIG_PATH": json, "HTTP_PORT": "9002", "LOG_LEVEL": "error"])
        #expect(envOverFile.port == 9002)
        #expect(envOverFile.host == "0.0.0.0")
        #expect(envOverFile.logLevel == .error)
        let flagOverEnv = try await AppConfig.load(flags: ["http.port": "9003"], environment: ["CONFIG_PATH": json, "HTTP_PORT": "9002"])
        #expect(flagOverEnv.port == 9003)
        #expect(flagOverEnv.dataDirectory == "/tmp/from-file")
    }

    @Test func yamlFilesAndTheConfigFlagWork() async throws {
        let yaml = try file("c.yaml", "http:\n  port: 9100\nchat:\n  heartbeat_seconds: 3\nadmin:\n  password: from-yaml-123\n")
        let config = try await AppConfig.load(flags: ["config": yaml], environment: ["CONFIG_PATH": "/nonexistent.json"])
        #expect(config.port == 9100)
        #expect(config.heartbeatSeconds == 3)
        #expect(config.adminPassword == "from-yaml-123")
    }

    @Test func theConnectionGuardsAreSetByTheirVariables() async throws {
        let config = try await AppConfig.load(flags: [:], environment: [
            "HTTP_IDLE_TIMEOUT_SECONDS": "75", "HTTP_HEADER_TIMEOUT_SECONDS": "2.5", "HTTP_MAX_CONNECTIONS_PER_ADDRESS": "0",
        ])
        #expect(config.idleTimeoutSeconds == 75)
        #expect(config.headerTimeoutSeconds == 2.5)
        #expect(config.maxConnectionsPerAddress == 0)
    }

    @Test func seedEnvironmentVariablesAreHonoured() async throws {
        let dev = try await AppConfig.load(flags: [:], environment: ["ENV": "dev"])
        #expect(dev.environment == "dev")
        #expect(dev.logLevel == .debug)
        let admin = try await AppConfig.load(flags: [:], environment: ["CHAT_MIRROR_ADMIN_PASSWORD": "secret-pass-1", "DATABASE_URL": "postgres://u@h/db"])
        #expect(admin.adminPassword == "secret-pass-1")
        #expect(admin.databaseURL == "postgres://u@h/db")
    }

    @Test(arguments: [
        (["HTTP_PORT": "abc"], "http.port"),
        (["HTTP_PORT": "70000"], "http.port"),
        (["LOG_LEVEL": "loud"], "log.level"),
        (["ENV": "staging"], "env"),
        (["DATABASE_URL": "mysql://x"], "database.url"),
        (["CHAT_MIRROR_ADMIN_PASSWORD": "short"], "admin.password"),
        (["HTTP_TRUST_PROXY": "maybe"], "http.trust_proxy"),
        (["CONFIG_PATH": "/definitely/not/here.json"], "CONFIG_PATH"),
        (["HTTP_PUBLIC_URL": "ftp://x"], "http.public_url"),
        (["HTTP_IDLE_TIMEOUT_SECONDS": "0"], "http.idle_timeout_seconds"),
        (["HTTP_HEADER_TIMEOUT_SECONDS": "soon"], "http.header_timeout_seconds"),
        (["HTTP_MAX_CONNECTIONS_PER_ADDRESS": "-1"], "http.max_connections_per_address"),
        (["UPSTREAM_PROXY_URL": "ftp://proxy:21"], "upstream.proxy_url"),
        (["UPSTREAM_PROXY_URL": "http://proxy:3128/path"], "upstream.proxy_url"),
    ])
    func mistakesNameTheKeyAndTheProblem(environment: [String: String], key: String) async throws {
        let error = await #expect(throws: ConfigProblem.self) { try await AppConfig.load(flags: [:], environment: environment) }
        #expect(error?.key == key)
        #expect(error?.description.contains(key) == true)
    }

    @Test func aMalformedConfigFileIsNamed() async throws {
        let broken = try file("broken.json", "{not json")
        let error = await #expect(throws: ConfigProblem.self) { try await AppConfig.load(flags: [:], environment: ["CONFIG_PATH": broken]) }
        #expect(error?.key == "CONFIG_PATH")
        let wrongType = try file("c.toml", "x = 1")
        await #expect(throws: ConfigProblem.self) { try await AppConfig.load(flags: [:], environment: ["CONFIG_PATH": wrongType]) }
    }

    @Test func anUnreachableDatabaseStopsStartUpWithOneLine() async throws {
        var config = Harness.config()
        config.databaseURL = "postgres://postgres@127.0.0.1:1/nothing"
        let app = try await buildApplication(config, console: { _ in })
        let error = await #expect(throws: (any Error).self) { try await app.test(.router) { _ in } }
        let problem = try #require(Self.findProblem(error))
        #expect(problem.key == "database.url")
        #expect(!problem.description.contains("\n"))
    }

    @Test func aBadMasterKeyIsRefused() async throws {
        var config = Harness.config()
        config.masterKey = "too-short"
        let error = await #expect(throws: ConfigProblem.self) { _ = try await buildApplication(config, console: { _ in }) }
        #expect(error?.key == "security.master_key")
    }

    @Test func aGeneratedMasterKeyIsWrittenWithMode0600AndReused() async throws {
        var config = Harness.config()
        config.masterKey = nil
        config.dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("cm-key-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
        let first = try KeySealer.load(config: config)
        let sealed = try first.seal("sk-secret-value")
        let path = config.dataDirectory + "/master.key"
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try KeySealer.load(config: config).open(sealed) == "sk-secret-value")
        #expect(!sealed.contains("secret"))
    }

    static func findProblem(_ error: (any Error)?) -> ConfigProblem? {
        if let problem = error as? ConfigProblem { return problem }
        let text = String(describing: error)
        if text.contains("database.url") { return ConfigProblem(key: "database.url", problem: text.replacingOccurrences(of: "\n", with: " ")) }
        return nil
    }
}
