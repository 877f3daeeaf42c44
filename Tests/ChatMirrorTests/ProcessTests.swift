import AsyncHTTPClient
import Foundation
import MockUpstream
import NIOCore
import NIOHTTP1
import Testing
@testable import ChatMirror

/// The real `chat-mirror` binary, started, killed and restarted as an operator would.
@Suite(.serialized) struct ProcessTests {
    /// `CHAT_MIRROR_BIN` (as for the end-to-end tests, e.g. with a `--scratch-path` build), else `.build/debug`.
    static let binary = ProcessInfo.processInfo.environment["CHAT_MIRROR_BIN"].flatMap { $0.isEmpty ? nil : $0 }
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/chat-mirror").path

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
                let conversation = try await client.json(.POST, "/api/conversations", "{}")["id"] as? String ?? ""
                let partial = try await client.streamPartially("/api/conversations/\(conversation)/messages", #"{"content":"keep me"}"#) {
                    $0.components(separatedBy: "event: delta").count > 20
                }
                #expect(partial.contains("event: delta"))
                try await Task.sleep(for: .milliseconds(600))
                server.kill(signal: SIGKILL)
                try await server.restart()
                let client2 = try await server.signedInAdmin(upstream: nil)
                let body = try await client2.json(.GET, "/api/conversations/\(conversation)", nil)
                let messages = body["messages"] as? [[String: Any]] ?? []
                #expect(messages.first?["content"] as? String == "keep me")
                let answer = messages.last?["content"] as? String ?? ""
                #expect(answer.hasPrefix("Mock answer to: keep me"))
                if TestDatabase.postgresURL == nil { #expect(messages.last?["status"] as? String == "incomplete") }
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

    @Test func resetPasswordSetsANewPasswordAndEndsSessions() async throws {
        try await ServerProcess.with { server in
            let before = try await server.signedInAdmin(upstream: nil)
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
            #expect(try await HTTPClient.shared.execute(request, timeout: .seconds(10)).status == .ok)
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
