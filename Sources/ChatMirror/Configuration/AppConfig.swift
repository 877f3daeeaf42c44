import Configuration
import Foundation
import Logging

/// A configuration mistake: names the key and the problem, shown as one line at start-up.
public struct ConfigProblem: Error, CustomStringConvertible {
    /// The key at fault, e.g. `http.port`.
    public let key: String
    /// What is wrong with it.
    public let problem: String
    public var description: String {
        let env = ConfigKeys.spec(key).map { " (\($0.environment))" } ?? ""
        return "configuration error: \(key)\(env): \(problem)"
    }
}

/// Every setting the server runs with, read once at start-up.
public struct AppConfig: Sendable {
    public var environment = "prod"
    public var logLevel = Logger.Level.info
    public var host = "127.0.0.1"
    public var port = 8082
    public var publicURL: String?
    public var trustProxy = false
    /// The reverse proxies whose forwarding headers count.
    var trustedProxies = TrustedProxies.loopback
    public var maxBodyBytes = 1_048_576
    /// How long a connection may wait, with no request in flight, for the first byte of its next request.
    public var idleTimeoutSeconds = 60.0
    /// How long a request's head may take: from the connection's start, or from the next request's first byte.
    public var headerTimeoutSeconds = 10.0
    /// Open connections one client address may hold (0: no cap); trusted proxies are not counted.
    public var maxConnectionsPerAddress = 64
    public var dataDirectory = "./data"
    public var databaseURL: String?
    public var databaseMaxConnections = 20
    public var webRoot: String?
    public var adminUsername = "admin"
    public var adminPassword: String?
    public var masterKey: String?
    public var bcryptCost = 10
    public var sessionLifetimeHours = 720
    public var loginMaxFailuresPerUser = 5
    public var loginMaxFailuresPerIP = 20
    public var loginWindowMinutes = 15
    public var maxContentChars = 100_000
    public var maxGenerationSeconds = 600
    public var ledgerRetentionDays = 0
    public var flushIntervalSeconds = 2.0
    public var heartbeatSeconds = 15.0
    public var shutdownGraceSeconds = 10.0
    public var upstreamConnectTimeoutSeconds = 10
    public var upstreamFirstTokenTimeoutSeconds = 60
    public var upstreamIdleTimeoutSeconds = 120
    public var upstreamMaxAttempts = 3
    public var upstreamProxyURL: String?
    public var upstreamSendUserId = false
    public var upstreamMaxConnectionsPerHost = 16_384
    public var healthIntervalSeconds = 30.0

    /// Defaults, as documented in `ConfigKeys`.
    public init() {}

    /// The SQLite file used when no database URL is set.
    public var sqlitePath: String { (dataDirectory as NSString).appendingPathComponent("chat-mirror.sqlite") }

    /// Reads flags > environment > config file (`CONFIG_PATH` or `--config`) > defaults.
    public static func load(flags: [String: String], environment: [String: String]) async throws -> AppConfig {
        var providers: [any ConfigProvider] = []
        let flagValues = Dictionary(uniqueKeysWithValues: flags.map { key, value in
            (AbsoluteConfigKey(key.split(separator: ".").map(String.init)), ConfigValue(.string(value), isSecret: key.contains("password") || key.contains("key")))
        })
        providers.append(InMemoryProvider(name: "flags", values: flagValues))
        let env = EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: .dynamic { key, _ in
            key.contains("PASSWORD") || key.contains("MASTER_KEY") || key == "DATABASE_URL"
        })
        providers.append(KeyMappingProvider(upstream: env) { key in
            let dotted = key.components.joined(separator: ".")
            guard let spec = ConfigKeys.spec(dotted) else { return key }
            return AbsoluteConfigKey([spec.environment.lowercased()])
        })
        if let path = flags["config"] ?? environment["CONFIG_PATH"], !path.isEmpty {
            providers.append(try await fileProvider(path))
        }
        return try AppConfig(reader: ConfigReader(providers: providers))
    }

    private static func fileProvider(_ path: String) async throws -> any ConfigProvider {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ConfigProblem(key: "CONFIG_PATH", problem: "cannot read file '\(path)'")
        }
        let lower = path.lowercased()
        do {
            if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") {
                return try await FileProvider<YAMLSnapshot>(filePath: .init(path))
            }
            if lower.hasSuffix(".json") {
                return try await FileProvider<JSONSnapshot>(filePath: .init(path))
            }
        } catch {
            throw ConfigProblem(key: "CONFIG_PATH", problem: "'\(path)' is not valid: \(error)")
        }
        throw ConfigProblem(key: "CONFIG_PATH", problem: "'\(path)' must end in .json, .yaml or .yml")
    }

    init(reader: ConfigReader) throws {
        let read = ConfigValueReader(reader: reader)
        environment = try read.choice("env", ["dev", "prod"]) ?? environment
        let defaultLevel: Logger.Level = environment == "dev" ? .debug : .info
        logLevel = try read.choice("log.level", Logger.Level.allCases.map(\.rawValue)).flatMap { Logger.Level(rawValue: $0) } ?? defaultLevel
        host = try read.string("http.host") ?? host
        port = try read.int("http.port", 0...65535) ?? port
        publicURL = try read.url("http.public_url")
        trustProxy = try read.bool("http.trust_proxy") ?? trustProxy
        trustedProxies = try read.string("http.trusted_proxies").map { try TrustedProxies(parsing: $0) } ?? trustedProxies
        maxBodyBytes = try read.int("http.max_body_bytes", 1024...(512 << 20)) ?? maxBodyBytes
        idleTimeoutSeconds = try read.double("http.idle_timeout_seconds", 0.1...86_400) ?? idleTimeoutSeconds
        headerTimeoutSeconds = try read.double("http.header_timeout_seconds", 0.1...3600) ?? headerTimeoutSeconds
        maxConnectionsPerAddress = try read.int("http.max_connections_per_address", 0...1_000_000) ?? maxConnectionsPerAddress
        dataDirectory = try read.string("data.dir") ?? dataDirectory
        databaseURL = try read.string("database.url")
        databaseMaxConnections = try read.int("database.max_connections", 1...1000) ?? databaseMaxConnections
        webRoot = try read.string("web.root")
        if let url = databaseURL, !(url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") || url.hasPrefix("sqlite:")) {
            throw ConfigProblem(key: "database.url", problem: "must start with postgres://, postgresql:// or sqlite:")
        }
        adminUsername = try read.string("admin.username") ?? adminUsername
        adminPassword = try read.string("admin.password")
        if let password = adminPassword, password.count < 8 {
            throw ConfigProblem(key: "admin.password", problem: "must be at least 8 characters")
        }
        masterKey = try read.string("security.master_key")
        bcryptCost = try read.int("security.bcrypt_cost", 4...16) ?? bcryptCost
        sessionLifetimeHours = try read.int("session.lifetime_hours", 1...87_600) ?? sessionLifetimeHours
        loginMaxFailuresPerUser = try read.int("login.max_failures_per_user", 1...1000) ?? loginMaxFailuresPerUser
        loginMaxFailuresPerIP = try read.int("login.max_failures_per_ip", 1...100_000) ?? loginMaxFailuresPerIP
        loginWindowMinutes = try read.int("login.window_minutes", 1...10_080) ?? loginWindowMinutes
        maxContentChars = try read.int("chat.max_content_chars", 1...10_000_000) ?? maxContentChars
        maxGenerationSeconds = try read.int("chat.max_generation_seconds", 1...86_400) ?? maxGenerationSeconds
        ledgerRetentionDays = try read.int("ledger.retention_days", 0...36_500) ?? ledgerRetentionDays
        flushIntervalSeconds = try read.double("chat.flush_interval_seconds", 0.05...3600) ?? flushIntervalSeconds
        heartbeatSeconds = try read.double("chat.heartbeat_seconds", 0.05...3600) ?? heartbeatSeconds
        shutdownGraceSeconds = try read.double("chat.shutdown_grace_seconds", 0...3600) ?? shutdownGraceSeconds
        upstreamConnectTimeoutSeconds = try read.int("upstream.connect_timeout_seconds", 1...600) ?? upstreamConnectTimeoutSeconds
        upstreamFirstTokenTimeoutSeconds =
            try read.int("upstream.first_token_timeout_seconds", 1...3600) ?? upstreamFirstTokenTimeoutSeconds
        upstreamIdleTimeoutSeconds = try read.int("upstream.idle_timeout_seconds", 1...3600) ?? upstreamIdleTimeoutSeconds
        upstreamMaxAttempts = try read.int("upstream.max_attempts", 1...20) ?? upstreamMaxAttempts
        upstreamSendUserId = try read.bool("upstream.send_user_id") ?? upstreamSendUserId
        upstreamMaxConnectionsPerHost = try read.int("upstream.max_connections_per_host", 1...100_000) ?? upstreamMaxConnectionsPerHost
        upstreamProxyURL = try read.string("upstream.proxy_url")
        if let proxy = upstreamProxyURL {
            do { _ = try UpstreamProxy(parsing: proxy) } catch { throw ConfigProblem(key: "upstream.proxy_url", problem: error.description) }
        }
        healthIntervalSeconds = try read.double("upstream.health_interval_seconds", 0.05...86_400) ?? healthIntervalSeconds
    }
}

/// Reads typed values, turning a present-but-wrong value into a `ConfigProblem` instead of a silent default.
struct ConfigValueReader {
    let reader: ConfigReader

    func string(_ key: String) throws -> String? {
        if let value = reader.string(forKey: ConfigKey(key)) { return value.isEmpty ? nil : value }
        if let value = reader.int(forKey: ConfigKey(key)) { return String(value) }
        return nil
    }

    func int(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
        let value: Int
        if let number = reader.int(forKey: ConfigKey(key)) {
            value = number
        } else if let text = reader.string(forKey: ConfigKey(key)) {
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigProblem(key: key, problem: "'\(text)' is not a whole number")
            }
            value = number
        } else {
            return nil
        }
        guard range.contains(value) else {
            throw ConfigProblem(key: key, problem: "\(value) is out of range \(range.lowerBound)-\(range.upperBound)")
        }
        return value
    }

    func double(_ key: String, _ range: ClosedRange<Double>) throws -> Double? {
        let value: Double
        if let number = reader.double(forKey: ConfigKey(key)) {
            value = number
        } else if let text = reader.string(forKey: ConfigKey(key)) {
            guard let number = Double(text.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigProblem(key: key, problem: "'\(text)' is not a number")
            }
            value = number
        } else {
            return nil
        }
        guard range.contains(value) else {
            throw ConfigProblem(key: key, problem: "\(value) is out of range \(range.lowerBound)-\(range.upperBound)")
        }
        return value
    }

    func bool(_ key: String) throws -> Bool? {
        if let value = reader.bool(forKey: ConfigKey(key)) { return value }
        guard let text = reader.string(forKey: ConfigKey(key)) else { return nil }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigProblem(key: key, problem: "'\(text)' is not true or false")
        }
    }

    func choice(_ key: String, _ options: [String]) throws -> String? {
        guard let value = try string(key)?.lowercased() else { return nil }
        guard options.contains(value) else {
            throw ConfigProblem(key: key, problem: "'\(value)' is not one of \(options.joined(separator: ", "))")
        }
        return value
    }

    func url(_ key: String) throws -> String? {
        guard let value = try string(key) else { return nil }
        guard let url = URL(string: value), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw ConfigProblem(key: key, problem: "'\(value)' is not an http(s) URL")
        }
        return value.hasSuffix("/") ? String(value.dropLast()) : value
    }
}
