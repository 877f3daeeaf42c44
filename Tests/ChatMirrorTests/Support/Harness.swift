import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import NIOCore
@testable import ChatMirror

/// The admin every test app starts with.
let testAdminPassword = "admin-password-1"

/// Builds the real application on a fresh store and runs `body` against it.
enum Harness {
    static func config() -> AppConfig {
        var config = AppConfig()
        config.host = "127.0.0.1"
        config.port = 0
        config.adminPassword = testAdminPassword
        config.bcryptCost = 4
        config.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap { .init(rawValue: $0) } ?? .critical
        config.masterKey = Data(repeating: 7, count: 32).base64EncodedString()
        config.flushIntervalSeconds = 0.2
        config.upstreamFirstTokenTimeoutSeconds = 5
        config.upstreamIdleTimeoutSeconds = 5
        config.shutdownGraceSeconds = 0
        // Every test runs its own app at once: a few connections each keep the whole suite under the server's limit.
        config.databaseMaxConnections = 4
        // HummingbirdTesting's live client holds one connection for a whole test and never reconnects: a loaded
        // machine must not pause it past the server's timeouts (the timeout tests set their own, short ones).
        config.headerTimeoutSeconds = 120
        config.idleTimeoutSeconds = 600
        return config
    }

    static func withApp<T: Sendable>(
        _ setup: TestingSetup = .router, clock: any AppClock = SystemClock(),
        configure: (inout AppConfig) -> Void = { _ in }, _ body: @Sendable (AppTester) async throws -> T
    ) async throws -> T {
        var config = config()
        configure(&config)
        let cleanup = try await TestDatabase.prepare(&config)
        do {
            let finalConfig = config
            let app = try await buildApplication(finalConfig, clock: clock, console: { _ in })
            let result = try await app.test(setup) { client in try await body(AppTester(client: client, config: finalConfig)) }
            await cleanup()
            return result
        } catch {
            await cleanup()
            throw error
        }
    }
}

/// A test client with JSON helpers and sign-in.
struct AppTester: Sendable {
    let client: any TestClientProtocol
    let config: AppConfig

    func request(
        _ method: HTTPRequest.Method, _ uri: String, json: String? = nil, headers: HTTPFields = [:], session: TestSession? = nil
    ) async throws -> TestResponse {
        var headers = headers
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        if let session {
            headers[.cookie] = "cm_session=\(session.token)"
            headers[.xCSRFToken] = session.csrf
        }
        return try await client.executeRequest(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// Signs in and returns the session cookie and CSRF token.
    func login(_ username: String, _ password: String) async throws -> TestSession {
        let response = try await request(.post, "/api/auth/login", json: #"{"username":"\#(username)","password":"\#(password)"}"#)
        guard response.status == .ok, let cookie = response.headers[.setCookie],
              let token = cookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last,
              let csrf = try response.json()["csrf"] as? String
        else { throw TestFailure("login of \(username) failed: \(response.status) \(String(buffer: response.body))") }
        return TestSession(token: String(token), csrf: csrf)
    }

    func loginAdmin() async throws -> TestSession { try await login("admin", testAdminPassword) }

    /// Creates a user through the admin API and signs them in.
    func makeUser(_ username: String, admin: TestSession, accessMode: String = "shared") async throws -> (id: Int, session: TestSession) {
        let response = try await request(.post, "/api/admin/users",
                                         json: #"{"username":"\#(username)","password":"password-\#(username)","access_mode":"\#(accessMode)"}"#,
                                         session: admin)
        guard response.status == .created, let user = try response.json()["user"] as? [String: Any], let id = user["id"] as? Int else {
            throw TestFailure("creating \(username) failed: \(response.status) \(String(buffer: response.body))")
        }
        return (id, try await login(username, "password-\(username)"))
    }

    /// Registers an OpenAI-compatible upstream account.
    @discardableResult
    func addAccount(baseURL: String, admin: TestSession, models: [String] = ["mock-gpt"], extra: String = "") async throws -> Int {
        let modelList = models.map { "\"\($0)\"" }.joined(separator: ",")
        let response = try await request(.post, "/api/admin/accounts",
                                         json: #"{"name":"mock","base_url":"\#(baseURL)","api_key":"sk-test-key-1234","models":[\#(modelList)]\#(extra)}"#,
                                         session: admin)
        guard response.status == .created, let id = try response.json()["id"] as? Int else {
            throw TestFailure("adding account failed: \(response.status) \(String(buffer: response.body))")
        }
        return id
    }

    func createConversation(_ session: TestSession, title: String? = nil) async throws -> String {
        let body = title.map { #"{"title":"\#($0)"}"# } ?? "{}"
        let response = try await request(.post, "/api/conversations", json: body, session: session)
        guard response.status == .created, let id = try response.json()["id"] as? String else {
            throw TestFailure("creating conversation failed: \(response.status) \(String(buffer: response.body))")
        }
        return id
    }
}

/// A signed-in browser: session cookie and CSRF token.
struct TestSession: Sendable {
    let token: String
    let csrf: String
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension TestResponse {
    /// The body as a JSON object.
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw TestFailure("body is not a JSON object: \(String(buffer: body))")
        }
        return object
    }

    /// `error.code` of an error body.
    var errorCode: String? { ((try? json())?["error"] as? [String: Any])?["code"] as? String }

    var text: String { String(buffer: body) }
}
