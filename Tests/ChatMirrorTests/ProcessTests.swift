import AsyncHTTPClient
import Foundation
import MockUpstream
import NIOCore
import NIOHTTP1
import Testing
@testable import ChatMirror

/// The real `chat-mirror` binary, started, killed and restarted as an operator would.
@Suite(.serialized) struct ProcessTests {
    /// `CHAT_MIRROR_BINARY` or `CHAT_MIRROR_BIN`, else the one built beside these tests (any `--scratch-path`), else
    /// `.build/debug`.
    static let binary: String = {
        for name in ["CHAT_MIRROR_BINARY", "CHAT_MIRROR_BIN"] {
            if let path = ProcessInfo.processInfo.environment[name], !path.isEmpty { return path }
        }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("chat-mirror").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/chat-mirror").path
    }()

    @Test func theRunCommandStartsAndPrintsHowToSignIn() async throws {
        try await ServerProcess.with { server in
            let output = server.output()
            #expect(output.contains("ChatMirror is listening on http://127.0.0.1:\(server.port)"))
            #expect(output.contains("created the admin user 'admin'"))
        }
    }

    @Test func aServerKilledMidStreamKeepsTheUserMessageAndTheFlushedText() async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 300
        mock.chunkDelayMs = 20
        try await RunningMockUpstream.withRunning(configuration: mock) { upstream in
            try await ServerProcess.with { server in
                let client = try await server.signedInAdmin(upstream: upstream)
                let me = try await client.json(.GET, "/api/me", nil)["id"] as? Int ?? 0
                _ = try await client.json(.PUT, "/api/admin/users/\(me)/limits", #"{"limits":[{"window":"day","max_requests":100,"max_tokens":1000000}]}"#)
                let key = try #require(try await client.json(.POST, "/api/me/api-keys", #"{"name":"killed"}"#)["key"] as? String)
                let conversation = try await client.json(.POST, "/api/conversations", "{}")["id"] as? String ?? ""
                let partial = try await client.streamPartially("/api/conversations/\(conversation)/messages", #"{"content":"keep me"}"#) {
                    $0.components(separatedBy: "event: delta").count > 20
                }
                #expect(partial.contains("event: delta"))
                // A /v1 stream in flight too.
                let api = Task {
                    var request = HTTPClientRequestBox.make(port: server.port, path: "/v1/chat/completions", key: key, body: """
                        {"model":"mock-gpt","stream":true,"messages":[{"role":"user","content":"keep going"}]}
                        """)
                    return try? await HTTPClientRequestBox.readUntil(&request) { _ in false }
                }
                #expect(try await eventually { upstream.state.snapshot.streamsStarted == 2 })
                // Kill once the web answer's text has been flushed to the store.
                #expect(try await eventually {
                    let now = try await client.json(.GET, "/api/conversations/\(conversation)", nil)["messages"] as? [[String: Any]]
                    return !(now?.last?["content"] as? String ?? "").isEmpty
                })
                server.kill(signal: SIGKILL)
                _ = await api.value
                try await server.restart()
                let client2 = try await server.signedInAdmin(upstream: nil)
                let body = try await client2.json(.GET, "/api/conversations/\(conversation)", nil)
                let messages = body["messages"] as? [[String: Any]] ?? []
                #expect(messages.first?["content"] as? String == "keep me")
                let answer = messages.last?["content"] as? String ?? ""
                #expect(answer.hasPrefix("Mock answer to: keep me"))
                // The killed process stopped heartbeating: within seconds the new one marks its answer interrupted.
                #expect(try await eventually(timeout: 20) {
                    let now = try await client2.json(.GET, "/api/conversations/\(conversation)", nil)["messages"] as? [[String: Any]]
                    return now?.last?["status"] as? String == "incomplete"
                })
                // Both calls are settled exactly once, on whichever instance: one ledger row each; the web answer stays
                // charged for the text it had flushed, the /v1 call (which left no text in the store) is refunded.
                let settled = try await eventually(timeout: 20) {
                    let csv = try await client2.text(.GET, "/api/admin/usage.csv")
                    let rows = csv.split(separator: "\n").dropFirst()
                    return rows.count == 2 && rows.allSatisfy { $0.contains(",interrupted,") }
                }
                let ledger = try await client2.text(.GET, "/api/admin/usage.csv")
                #expect(settled, "\(ledger)")
                let quota = try await client2.json(.GET, "/api/me/quota", nil)["limits"] as? [[String: Any]]
                #expect(quota?.first?["used_requests"] as? Int == 1, "the interrupted web answer stays charged once")
                #expect(quota?.first?["used_tokens"] as? Int ?? 0 > 0, "for the text it had flushed")
            }
        }
    }

    @Test func sigtermSavesAnswersInProgressAsIncomplete() async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 300
        mock.chunkDelayMs = 20
        try await RunningMockUpstream.withRunning(configuration: mock) { upstream in
            try await ServerProcess.with(environment: ["CHAT_SHUTDOWN_GRACE_SECONDS": "0.5"]) { server in
                let client = try await server.signedInAdmin(upstream: upstream)
                let conversation = try await client.json(.POST, "/api/conversations", "{}")["id"] as? String ?? ""
                _ = try await client.streamPartially("/api/conversations/\(conversation)/messages", #"{"content":"shut down"}"#) {
                    $0.components(separatedBy: "event: delta").count > 5
                }
                server.kill(signal: SIGTERM)
                let exited = try await eventually(timeout: 15) { !server.isRunning }
                #expect(exited)
                #expect(server.exitStatus == 0)
                try await server.restart()
                let client2 = try await server.signedInAdmin(upstream: nil)
                let messages = try await client2.json(.GET, "/api/conversations/\(conversation)", nil)["messages"] as? [[String: Any]] ?? []
                #expect(messages.last?["status"] as? String == "incomplete")
                #expect(messages.last?["finish_reason"] as? String == "shutdown")
                #expect((messages.last?["content"] as? String ?? "").hasPrefix("Mock answer to: shut down"))
            }
        }
    }

    /// Before: SIGTERM cut every stream at once with no final event and closed the listener, while the answers
    /// went on for the grace period with nobody watching. Now the listener stays open (new calls get 503
    /// `shutting_down`), and each stream in flight ends with its final event: `done` with `finish_reason:
    /// "shutdown"` on the web, an error chunk and `[DONE]` on `/v1`.
    @Test func sigtermKeepsServingStreamsInFlightAndEndsEachWithItsFinalEvent() async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 400
        mock.chunkDelayMs = 25
        try await RunningMockUpstream.withRunning(configuration: mock) { upstream in
            try await ServerProcess.with(environment: ["CHAT_SHUTDOWN_GRACE_SECONDS": "2"]) { server in
                let client = try await server.signedInAdmin(upstream: upstream)
                let key = try #require(try await client.json(.POST, "/api/me/api-keys", #"{"name":"shutdown"}"#)["key"] as? String)
                let conversation = try await client.json(.POST, "/api/conversations", "{}")["id"] as? String ?? ""
                let web = Task {
                    try await client.streamPartially("/api/conversations/\(conversation)/messages", #"{"content":"keep going"}"#) { _ in false }
                }
                let api = Task {
                    var request = HTTPClientRequestBox.make(port: server.port, path: "/v1/chat/completions", key: key, body: """
                        {"model":"mock-gpt","stream":true,"messages":[{"role":"user","content":"keep going"}]}
                        """)
                    return try await HTTPClientRequestBox.readUntil(&request) { _ in false }
                }
                #expect(try await eventually { upstream.state.snapshot.streamsStarted == 2 })
                server.kill(signal: SIGTERM)

                // During the grace the listener still answers: a new call is refused with 503 and Retry-After.
                let refused = try await eventually(timeout: 10) {
                    let response = try await HTTPClient.shared.execute(HTTPClientRequestBox.make(
                        port: server.port, path: "/v1/chat/completions", key: key,
                        body: #"{"model":"mock-gpt","messages":[{"role":"user","content":"[[mock:chunks=1]][[mock:delay_ms=0]] hi"}]}"#),
                        timeout: .seconds(10))
                    let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
                    return response.status == .serviceUnavailable && body.contains("shutting_down") && response.headers.first(name: "retry-after") != nil
                }
                #expect(refused)

                let webText = try await web.value
                let events = SSE.parse(webText).events
                #expect(events.last?.name == "done", "the web stream ends with its final event: \(webText.suffix(300))")
                #expect(events.last?.data["finish_reason"] == "shutdown")
                let apiText = try await api.value
                #expect(apiText.contains(#""code":"shutting_down""#), "\(apiText.suffix(300))")
                #expect(apiText.hasSuffix("data: [DONE]\n\n"))
                #expect(try await eventually(timeout: 15) { !server.isRunning })
                #expect(server.exitStatus == 0)
            }
        }
    }

    @Test func resetPasswordSetsANewPasswordAndEndsSessions() async throws {
        try await ServerProcess.with { server in
            let before = try await server.signedInAdmin(upstream: nil)
            _ = try await before.json(.POST, "/api/admin/users/1/share-links", "{}")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = ["admin", "reset-password", "admin", "--password", "brand-new-pass-1", "--data-dir", server.dataDirectory]
            process.environment = server.environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            process.waitUntilExit()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 0, "\(text)")
            #expect(text.contains("new password for 'admin'"))
            let me = try await before.json(.GET, "/api/me", nil)
            #expect(me["error"] != nil)
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/api/auth/login")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"username":"admin","password":"brand-new-pass-1"}"#))
            let signedIn = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            #expect(signedIn.status == .ok)
            // The reset revoked the user's share link too.
            let csrf = (try JSONSerialization.jsonObject(with: Data(try await signedIn.body.collect(upTo: 1 << 20).readableBytesView))
                as? [String: Any])?["csrf"] as? String ?? ""
            let cookie = signedIn.headers.first(name: "set-cookie")?.split(separator: ";").first.map(String.init) ?? ""
            let after = ProcessClient(port: server.port, cookie: cookie, csrf: csrf)
            let links = try await after.json(.GET, "/api/admin/users/1/share-links", nil)["share_links"] as? [[String: Any]]
            #expect(links?.count == 1)
            #expect(links?.first?["active"] as? Bool == false)
            let unknown = Process()
            unknown.executableURL = URL(fileURLWithPath: Self.binary)
            unknown.arguments = ["admin", "reset-password", "nobody", "--data-dir", server.dataDirectory]
            unknown.environment = server.environment
            unknown.standardOutput = Pipe()
            unknown.standardError = Pipe()
            try unknown.run()
            unknown.waitUntilExit()
            #expect(unknown.terminationStatus != 0)
        }
    }

    /// Before: the info log carried `GET /s/<token> 303`, a password anyone reading the log could use.
    @Test func shareLinkTokensNeverReachTheLog() async throws {
        try await ServerProcess.with(environment: ["LOG_LEVEL": "info"]) { server in
            let admin = try await server.signedInAdmin(upstream: nil)
            let link = try await admin.json(.POST, "/api/admin/users/1/share-links", "{}")
            let url = try #require(link["url"] as? String)
            let token = try #require(url.components(separatedBy: "/s/").last)
            _ = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/s/\(token)"), timeout: .seconds(10))
            #expect(try await eventually(timeout: 10) { server.output().contains("GET /s/[redacted] 303") })
            #expect(!server.output().contains(token))
        }
    }

    /// Before: a backup restored without master.key started with a new key, and the sealed upstream keys were lost
    /// for good once new ones were sealed beside them.
    @Test func aRestoredDatabaseWithoutItsMasterKeyDoesNotStart() async throws {
        try await ServerProcess.with { server in
            // Setup: an account with a sealed key; then the server stops and master.key goes missing.
            let admin = try await server.signedInAdmin(upstream: nil)
            _ = try await admin.json(.POST, "/api/admin/accounts", #"{"name":"m","base_url":"http://127.0.0.1:9/v1","api_key":"sk-sealed-1","models":["m"]}"#)
            server.kill(signal: SIGTERM)
            #expect(try await eventually(timeout: 15) { !server.isRunning })
            let keyPath = server.dataDirectory + "/master.key"
            let key = try Data(contentsOf: URL(fileURLWithPath: keyPath))
            try FileManager.default.removeItem(atPath: keyPath)

            // Act: start again.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = ["serve", "--host", "127.0.0.1", "--port", String(server.port), "--data-dir", server.dataDirectory]
            process.environment = server.environment
            let output = Pipe()
            process.standardOutput = Pipe()
            process.standardError = output
            try process.run()
            process.waitUntilExit()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)

            // Check: it refused, in one line naming the key, and left no new key in the way of the restore.
            #expect(process.terminationStatus == 78)
            #expect(text.contains("security.master_key") && text.contains("master.key"), "\(text)")
            #expect(text.trimmingCharacters(in: .newlines).split(separator: "\n").count == 1, "\(text)")
            #expect(!FileManager.default.fileExists(atPath: keyPath))
            try key.write(to: URL(fileURLWithPath: keyPath))
            try await server.start()
        }
    }

    /// Before: nothing said that share links were built from whatever Host header the admin's request carried.
    @Test func withoutAPublicURLStartUpWarnsOnceThatLinksFollowTheHostHeader() async throws {
        try await ServerProcess.with { server in
            let warned = try await eventually(timeout: 10) { server.output().contains("http.public_url") }
            #expect(warned)
            #expect(server.output().components(separatedBy: "http.public_url").count == 2, "once: \(server.output())")
            #expect(server.output().contains("Host header"))
        }
        try await ServerProcess.with(environment: ["HTTP_PUBLIC_URL": "https://chat.example.com"]) { server in
            #expect(!server.output().contains("http.public_url"))
        }
    }

    @Test func aConfigMistakeStopsStartUpWithOneClearLine() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--port", "99999"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus != 0)
        #expect(text.contains("http.port"))
        #expect(text.contains("out of range"))
    }
}

/// A `chat-mirror serve` child process on a free port with its own data directory and store.
final class ServerProcess: @unchecked Sendable {
    let port: Int
    let dataDirectory: String
    let environment: [String: String]
    private var process: Process
    private let outputFile: String

    private init(port: Int, dataDirectory: String, environment: [String: String]) {
        self.port = port
        self.dataDirectory = dataDirectory
        self.environment = environment
        outputFile = dataDirectory + "/stdout.log"
        process = Process()
    }

    static func with(environment extra: [String: String] = [:], _ body: (ServerProcess) async throws -> Void) async throws {
        guard FileManager.default.isExecutableFile(atPath: ProcessTests.binary) else {
            throw TestFailure("build the server first: swift build --product chat-mirror (\(ProcessTests.binary) is missing)")
        }
        var config = Harness.config()
        let cleanup = try await TestDatabase.prepare(&config)
        var environment = ProcessInfo.processInfo.environment
        environment["CHAT_MIRROR_ADMIN_PASSWORD"] = testAdminPassword
        environment["CHAT_MIRROR_BCRYPT_COST"] = "4"
        environment["CHAT_FLUSH_INTERVAL_SECONDS"] = "0.2"
        environment["LOG_LEVEL"] = "warning"
        environment["DATABASE_URL"] = config.databaseURL
        if config.databaseURL == nil { environment.removeValue(forKey: "DATABASE_URL") }
        environment.merge(extra) { $1 }
        let server = ServerProcess(port: try freePort(), dataDirectory: config.dataDirectory, environment: environment)
        do {
            try await server.start()
            try await body(server)
            server.kill(signal: SIGKILL)
            await cleanup()
        } catch {
            server.kill(signal: SIGKILL)
            await cleanup()
            throw error
        }
    }

    func start() async throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessTests.binary)
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port), "--data-dir", dataDirectory]
        process.environment = environment
        if !FileManager.default.fileExists(atPath: outputFile) { FileManager.default.createFile(atPath: outputFile, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputFile))
        try handle.seekToEnd()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let ready = try await eventually(timeout: 20) { [port] in
            (try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/readyz"), timeout: .seconds(1)).status) == .ok
        }
        guard ready else { throw TestFailure("server did not become ready: \(output())") }
    }

    func restart() async throws {
        process.waitUntilExit()
        try await start()
    }

    func kill(signal: Int32) {
        if process.isRunning { Foundation.kill(process.processIdentifier, signal) }
        if signal == SIGKILL { process.waitUntilExit() }
    }

    var isRunning: Bool { process.isRunning }
    var exitStatus: Int32 { process.terminationStatus }

    func output() -> String { (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? "" }

    /// Signs in as admin; with an upstream, registers it as an account first.
    func signedInAdmin(upstream: RunningMockUpstream?) async throws -> ProcessClient {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/auth/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"username":"admin","password":"\#(testAdminPassword)"}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        let csrf = (try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])?["csrf"] as? String ?? ""
        let cookie = response.headers.first(name: "set-cookie")?.split(separator: ";").first.map(String.init) ?? ""
        let client = ProcessClient(port: port, cookie: cookie, csrf: csrf)
        if let upstream {
            _ = try await client.json(.POST, "/api/admin/accounts", #"{"name":"mock","base_url":"\#(upstream.baseURL)","models":["mock-gpt"]}"#)
        }
        return client
    }

    static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A cookie-authenticated client of a server process.
struct ProcessClient: Sendable {
    let port: Int
    let cookie: String
    let csrf: String

    private func request(_ method: HTTPMethod, _ path: String, _ body: String?) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        request.headers.add(name: "Cookie", value: cookie)
        request.headers.add(name: "X-CSRF-Token", value: csrf)
        request.headers.add(name: "Content-Type", value: "application/json")
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        return request
    }

    func json(_ method: HTTPMethod, _ path: String, _ body: String?) async throws -> [String: Any] {
        let response = try await HTTPClient.shared.execute(request(method, path, body), timeout: .seconds(10))
        let buffer = try await response.body.collect(upTo: 16 << 20)
        return (try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any]) ?? [:]
    }

    func text(_ method: HTTPMethod, _ path: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(request(method, path, nil), timeout: .seconds(10))
        return String(buffer: try await response.body.collect(upTo: 16 << 20))
    }

    func streamPartially(_ path: String, _ body: String, until: (String) -> Bool) async throws -> String {
        let response = try await HTTPClient.shared.execute(request(.POST, path, body), timeout: .seconds(20))
        var seen = ""
        for try await buffer in response.body {
            seen += String(buffer: buffer)
            if until(seen) { break }
        }
        return seen
    }
}
