import Foundation
import HTTPTypes
import HummingbirdTesting
import MockUpstream
import Testing
@testable import ChatMirror

/// What a faithful relay must hand its client for one transcript (Tests/Fixtures/transcripts/expected.json).
struct TranscriptExpectation: Decodable, Sendable {
    struct ToolCall: Decodable, Sendable, Equatable {
        let index: Int
        let id: String
        let name: String
        let arguments: String
    }
    struct Logprob: Decodable, Sendable, Equatable {
        let token: String
        let logprob: Double
    }
    let route: String
    let content: String?
    let reasoning: String?
    let refusal: String?
    let toolCalls: [ToolCall]
    let finishReason: String?
    let promptTokens: Int?
    let completionTokens: Int?
    let cachedTokens: Int?
    let reasoningTokens: Int?
    let logprobs: [Logprob]?
    let error: Bool
    let complete: Bool

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/transcripts")

    static let all: [String: TranscriptExpectation] = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("expected.json")) else { return [:] }
        return (try? decoder.decode([String: TranscriptExpectation].self, from: data)) ?? [:]
    }()

    static var names: [String] { all.keys.sorted().map { String($0.dropLast(4)) } }
}

/// What a `/v1` client put together from the chunks it received.
struct ClientAnswer {
    var content = ""
    var reasoning = ""
    var refusal = ""
    var calls: [Int: (id: String, name: String, arguments: String)] = [:]
    var finishReason: String?
    var usage: [String: Any]?
    var logprobs: [(String, Double)] = []
    var error: [String: Any]?
    var ids = Set<String>()
    var models = Set<String>()
    var done = false

    init(sse: String) {
        for block in sse.components(separatedBy: "\n\n") where block.hasPrefix("data: ") {
            let payload = String(block.dropFirst(6))
            if payload == "[DONE]" { done = true; continue }
            guard let chunk = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any] else { continue }
            if let error = chunk["error"] as? [String: Any] { self.error = error; continue }
            ids.insert(chunk["id"] as? String ?? "")
            models.insert(chunk["model"] as? String ?? "")
            if let usage = chunk["usage"] as? [String: Any] { self.usage = usage }
            for choice in chunk["choices"] as? [[String: Any]] ?? [] {
                let delta = choice["delta"] as? [String: Any] ?? [:]
                content += delta["content"] as? String ?? ""
                reasoning += (delta["reasoning_content"] as? String) ?? (delta["reasoning"] as? String) ?? ""
                refusal += delta["refusal"] as? String ?? ""
                for call in delta["tool_calls"] as? [[String: Any]] ?? [] {
                    let index = call["index"] as? Int ?? -1
                    let function = call["function"] as? [String: Any] ?? [:]
                    var current = calls[index] ?? ("", "", "")
                    if let id = call["id"] as? String { current.id = id }
                    if let name = function["name"] as? String { current.name += name }
                    current.arguments += function["arguments"] as? String ?? ""
                    calls[index] = current
                }
                if let reason = choice["finish_reason"] as? String { finishReason = reason }
                for entry in (choice["logprobs"] as? [String: Any])?["content"] as? [[String: Any]] ?? [] {
                    logprobs.append((entry["token"] as? String ?? "", entry["logprob"] as? Double ?? 0))
                }
            }
        }
    }
}

/// Each vendor's documented stream shape, replayed through the mock upstream, must come out whole on `/v1`
/// (streamed and not) and in the saved web message.
@Suite struct RelayGoldenTests {
    private func fixture(_ name: String, _ body: @escaping @Sendable (ChatFixture, String) async throws -> Void) async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkDelayMs = 0
        mock.transcriptsDir = TranscriptExpectation.directory.path
        try await ChatFixture.with(mock: mock) { f in
            if TranscriptExpectation.all["\(name).sse"]?.route == "anthropic" {
                let accounts = try await f.app.request(.get, "/api/admin/accounts", session: f.admin).json()
                let id = try #require((accounts["accounts"] as? [[String: Any]])?.first?["id"] as? Int)
                let changed = try await f.app.request(.patch, "/api/admin/accounts/\(id)", json: #"{"provider":"anthropic"}"#, session: f.admin)
                #expect(changed.status == .ok)
            }
            let created = try await f.app.request(.post, "/api/me/api-keys", json: #"{"name":"golden"}"#, session: f.user)
            try await body(f, try #require(try created.json()["key"] as? String))
        }
    }

    private func completion(_ f: ChatFixture, key: String, name: String, stream: Bool) async throws -> TestResponse {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(key)"
        let options = stream ? #","stream":true,"stream_options":{"include_usage":true}"# : ""
        return try await f.app.request(.post, "/v1/chat/completions", json: """
            {"model":"mock-gpt"\(options),"messages":[{"role":"user","content":"[[mock:transcript=\(name)]]"}]}
            """, headers: headers)
    }

    @Test(arguments: TranscriptExpectation.names)
    func aTranscriptComesOutWholeOnV1AndOnTheWeb(name: String) async throws {
        let expected = try #require(TranscriptExpectation.all["\(name).sse"])
        try await fixture(name) { f, key in
            // /v1, streamed
            let streamed = try await completion(f, key: key, name: name, stream: true)
            if expected.error && (expected.content ?? "").isEmpty {
                #expect(streamed.status != .ok, "\(name): an error before any output is an HTTP error")
            } else {
                #expect(streamed.status == .ok)
                let answer = ClientAnswer(sse: streamed.text)
                #expect(answer.content == expected.content ?? "", "\(name)")
                #expect(answer.reasoning == expected.reasoning ?? "", "\(name)")
                #expect(answer.refusal == expected.refusal ?? "", "\(name)")
                let calls = answer.calls.sorted { $0.key < $1.key }
                #expect(calls.map(\.key) == expected.toolCalls.map(\.index), "\(name)")
                #expect(calls.map(\.value.id) == expected.toolCalls.map(\.id), "\(name)")
                #expect(calls.map(\.value.name) == expected.toolCalls.map(\.name), "\(name)")
                #expect(calls.map(\.value.arguments) == expected.toolCalls.map(\.arguments), "\(name)")
                #expect(answer.ids.count == 1 && answer.ids.first?.hasPrefix("chatcmpl-") == true, "\(name): one id of ours")
                #expect(answer.models == ["mock-gpt"], "\(name): the model the client asked for")
                #expect(answer.done, "\(name): [DONE]")
                if expected.error {
                    #expect(answer.error != nil, "\(name): the error reaches the client")
                    #expect(answer.finishReason == nil, "\(name): no invented finish_reason")
                } else {
                    #expect(answer.error == nil, "\(name)")
                    #expect(answer.finishReason == expected.finishReason, "\(name)")
                    if let prompt = expected.promptTokens {
                        #expect(answer.usage?["prompt_tokens"] as? Int == prompt, "\(name)")
                        #expect(answer.usage?["completion_tokens"] as? Int == expected.completionTokens, "\(name)")
                    }
                    if let cached = expected.cachedTokens {
                        #expect((answer.usage?["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int == cached, "\(name)")
                    }
                    if let reasoning = expected.reasoningTokens {
                        #expect((answer.usage?["completion_tokens_details"] as? [String: Any])?["reasoning_tokens"] as? Int == reasoning, "\(name)")
                    }
                    if let logprobs = expected.logprobs {
                        #expect(answer.logprobs.map(\.0) == logprobs.map(\.token), "\(name)")
                    }
                }
            }

            // /v1, not streamed
            let plain = try await completion(f, key: key, name: name, stream: false)
            if expected.error {
                #expect(plain.status != .ok, "\(name)")
                #expect(plain.errorCode != nil, "\(name)")
            } else {
                #expect(plain.status == .ok, "\(name): \(plain.text)")
                let body = try plain.json()
                let choice = try #require((body["choices"] as? [[String: Any]])?.first)
                let message = try #require(choice["message"] as? [String: Any])
                #expect((message["content"] as? String ?? "") == expected.content ?? "", "\(name)")
                #expect(((message["reasoning_content"] ?? message["reasoning"]) as? String ?? "") == expected.reasoning ?? "", "\(name)")
                #expect((message["refusal"] as? String) == expected.refusal, "\(name)")
                let calls = message["tool_calls"] as? [[String: Any]] ?? []
                #expect(calls.map { $0["id"] as? String ?? "" } == expected.toolCalls.map(\.id), "\(name)")
                #expect(calls.map { ($0["function"] as? [String: Any])?["arguments"] as? String ?? "" } == expected.toolCalls.map(\.arguments))
                #expect(choice["finish_reason"] as? String == expected.finishReason, "\(name)")
                if let prompt = expected.promptTokens {
                    #expect((body["usage"] as? [String: Any])?["prompt_tokens"] as? Int == prompt, "\(name)")
                }
            }

            // The web app: the saved answer, its thinking, its state.
            let conversation = try await f.app.createConversation(f.user)
            let web = try await f.send("[[mock:transcript=\(name)]]", to: conversation)
            let (events, _) = SSE.parse(web.text)
            let messages = try await f.messages(conversation)
            let shownText = expected.content ?? expected.refusal ?? ""
            if expected.error && shownText.isEmpty {
                // The /v1 calls above met the upstream's rate limit: its only account is cooling now.
                #expect(web.status == .serviceUnavailable, "\(name)")
                #expect(web.headers[.retryAfter] != nil, "\(name)")
                #expect(messages.isEmpty, "\(name)")
            } else {
                let saved = try #require(messages.last)
                #expect(saved["content"] as? String == shownText, "\(name)")
                #expect((saved["reasoning"] as? String ?? "") == expected.reasoning ?? "", "\(name)")
                #expect(events.filter { $0.name == "reasoning" }.compactMap(\.text).joined() == expected.reasoning ?? "", "\(name)")
                #expect(saved["status"] as? String == (expected.error ? "incomplete" : "complete"), "\(name)")
                if !expected.error { #expect(saved["finish_reason"] as? String == expected.finishReason, "\(name)") }
            }
        }
    }
}
