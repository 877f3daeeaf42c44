import Foundation
import HTTPTypes
import HummingbirdTesting
import MockUpstream
import Testing
@testable import ChatMirror

@Suite struct OpenAIAPITests {
    private func key(_ f: ChatFixture) async throws -> String {
        let created = try await f.app.request(.post, "/api/me/api-keys", json: #"{"name":"laptop"}"#, session: f.user)
        #expect(created.status == .created)
        return try #require(try created.json()["key"] as? String)
    }

    private func v1(_ f: ChatFixture, _ method: HTTPRequest.Method, _ path: String, key: String?, json: String? = nil) async throws -> TestResponseBox {
        var headers = HTTPFields()
        if let key { headers[.authorization] = "Bearer \(key)" }
        return TestResponseBox(try await f.app.request(method, path, json: json, headers: headers))
    }

    @Test func keysAreShownOnceListedAndRevocable() async throws {
        try await ChatFixture.with { f in
            let secret = try await key(f)
            #expect(secret.hasPrefix("cm-"))
            let list = try await f.app.request(.get, "/api/me/api-keys", session: f.user)
            #expect(!list.text.contains(secret))
            let keys = try #require(try list.json()["api_keys"] as? [[String: Any]])
            #expect(keys.first?["prefix"] as? String == String(secret.prefix(10)))
            let models = try await v1(f, .get, "/v1/models", key: secret)
            #expect(models.response.status == .ok)
            #expect(models.response.text.contains(#""object":"list""#))
            #expect(models.response.text.contains("mock-gpt"))
            let id = try #require(keys.first?["id"] as? Int)
            #expect(try await f.app.request(.delete, "/api/me/api-keys/\(id)", session: f.user).status == .noContent)
            let revoked = try await v1(f, .get, "/v1/models", key: secret)
            #expect(revoked.response.status == .unauthorized)
            #expect(revoked.openAIType == "authentication_error")
            let bad = try await f.app.request(.post, "/api/me/api-keys", json: #"{"name":""}"#, session: f.user)
            #expect(bad.status == .badRequest)
        }
    }

    @Test func aDisabledUsersKeyStopsAtOnceAndAdminsCanRevokeKeys() async throws {
        try await ChatFixture.with { f in
            let secret = try await key(f)
            let users = try await f.app.request(.get, "/api/admin/users?q=alice", session: f.admin).json()
            let aliceId = try #require((users["users"] as? [[String: Any]])?.first?["id"] as? Int)
            let keys = try await f.app.request(.get, "/api/admin/users/\(aliceId)/api-keys", session: f.admin).json()
            #expect((keys["api_keys"] as? [Any])?.count == 1)
            _ = try await f.app.request(.patch, "/api/admin/users/\(aliceId)", json: #"{"status":"disabled"}"#, session: f.admin)
            #expect(try await v1(f, .get, "/v1/models", key: secret).response.status == .unauthorized)
            _ = try await f.app.request(.patch, "/api/admin/users/\(aliceId)", json: #"{"status":"active"}"#, session: f.admin)
            #expect(try await v1(f, .get, "/v1/models", key: secret).response.status == .ok)
            let keyId = try #require((keys["api_keys"] as? [[String: Any]])?.first?["id"] as? Int)
            #expect(try await f.app.request(.delete, "/api/admin/api-keys/\(keyId)", session: f.admin).status == .noContent)
            #expect(try await v1(f, .get, "/v1/models", key: secret).response.status == .unauthorized)
        }
    }

    @Test func streamingAndNonStreamingCompletionsUseOpenAIsFormats() async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 4
        try await ChatFixture.with(mock: mock) { f in
            let secret = try await key(f)
            let plain = try await v1(f, .post, "/v1/chat/completions", key: secret,
                                     json: #"{"model":"mock-gpt","messages":[{"role":"user","content":"hello"}],"temperature":0.5,"user":"alice@corp"}"#)
            #expect(plain.response.status == .ok)
            let body = try plain.response.json()
            #expect(body["object"] as? String == "chat.completion")
            let choice = try #require((body["choices"] as? [[String: Any]])?.first)
            #expect(((choice["message"] as? [String: Any])?["content"] as? String)?.hasPrefix("Mock answer to: hello") == true)
            #expect(choice["finish_reason"] as? String == "stop")
            #expect((body["usage"] as? [String: Any])?["total_tokens"] as? Int ?? 0 > 0)
            let forwarded = try #require(f.mock.state.snapshot.lastRequestBody)
            #expect(forwarded.contains("\"temperature\":0.5"))
            #expect(!forwarded.contains("alice"))

            let streamed = try await v1(f, .post, "/v1/chat/completions", key: secret,
                                        json: #"{"model":"mock-gpt","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":[{"type":"text","text":"parts"}]}]}"#)
            #expect(streamed.response.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let lines = streamed.response.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(lines.last == "data: [DONE]")
            #expect(lines.filter { $0.contains(#""content":"#) && !$0.contains(#""content":"""#) }.count == 4)
            #expect(lines.contains { $0.contains(#""finish_reason":"stop""#) })
            let usageChunk = try #require(lines.dropLast().last.map { try JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any] })
            #expect((usageChunk?["choices"] as? [Any])?.isEmpty == true)
            #expect((usageChunk?["usage"] as? [String: Any])?["total_tokens"] as? Int ?? 0 > 0)
            #expect(lines.allSatisfy { $0.hasPrefix("data: ") })
        }
    }

    @Test func errorsUseOpenAIsShapeAndTheStatusesTheSDKMaps() async throws {
        try await ChatFixture.with { f in
            let secret = try await key(f)
            let noKey = try await v1(f, .get, "/v1/models", key: nil)
            #expect(noKey.response.status == .unauthorized)
            #expect(noKey.openAIType == "authentication_error")
            let wrongKey = try await v1(f, .get, "/v1/models", key: "cm-nope")
            #expect(wrongKey.response.status == .unauthorized)
            let unknownModel = try await v1(f, .post, "/v1/chat/completions", key: secret,
                                            json: #"{"model":"gpt-9","messages":[{"role":"user","content":"x"}]}"#)
            #expect(unknownModel.response.status == .notFound)
            #expect(unknownModel.code == "model_not_found")
            let cases: [(String, String)] = [
                (#"{"messages":[{"role":"user","content":"x"}]}"#, "model"),
                (#"{"model":"mock-gpt"}"#, "messages"),
                (#"{"model":"mock-gpt","messages":[]}"#, "messages"),
                (#"{"model":"mock-gpt","messages":[{"role":"wizard","content":"x"}]}"#, "messages"),
                (#"{"model":"mock-gpt","messages":[{"role":"user","content":5}]}"#, "messages"),
                (#"{"model":"mock-gpt","messages":[{"role":"user","content":"x"}],"stream":"yes"}"#, "stream"),
                (#"{"model":"mock-gpt","messages":[{"role":"user","content":"x"}],"max_tokens":-3}"#, "max_tokens"),
            ]
            for (json, param) in cases {
                let response = try await v1(f, .post, "/v1/chat/completions", key: secret, json: json)
                #expect(response.response.status == .badRequest, "\(json)")
                #expect(response.openAIType == "invalid_request_error", "\(json)")
                #expect(response.param == param, "\(json): \(response.response.text)")
            }
            let broken = try await v1(f, .post, "/v1/chat/completions", key: secret, json: "{nope")
            #expect(broken.response.status == .badRequest)
            #expect(broken.openAIType == "invalid_request_error")
        }
    }

    @Test func upstreamFailuresBeforeTheAnswerAreHTTPErrors() async throws {
        var mock = MockUpstreamConfiguration()
        mock.failure = "500"
        try await ChatFixture.with(mock: mock) { f in
            let secret = try await key(f)
            let response = try await v1(f, .post, "/v1/chat/completions", key: secret,
                                        json: #"{"model":"mock-gpt","stream":true,"messages":[{"role":"user","content":"x"}]}"#)
            #expect(response.response.status == .badGateway)
            #expect(response.code == "upstream_error")
        }
    }

    @Test func aClientThatDisconnectsCancelsTheUpstreamCall() async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 200
        mock.chunkDelayMs = 20
        try await ChatFixture.with(mock: mock) { f in
            let secret = try await key(f)
            let port = try #require(f.app.client.port)
            var request = HTTPClientRequestBox.make(port: port, path: "/v1/chat/completions", key: secret,
                                                    body: #"{"model":"mock-gpt","stream":true,"messages":[{"role":"user","content":"x"}]}"#)
            _ = try await HTTPClientRequestBox.readUntil(&request) { $0.components(separatedBy: "data:").count > 5 }
            #expect(try await eventually { f.mock.state.snapshot.streamsCancelled == 1 })
        }
    }
}

/// A response with OpenAI's error fields at hand.
struct TestResponseBox {
    let response: TestResponse
    init(_ response: TestResponse) { self.response = response }
    private var error: [String: Any]? { (try? response.json())?["error"] as? [String: Any] }
    var openAIType: String? { error?["type"] as? String }
    var code: String? { error?["code"] as? String }
    var param: String? { error?["param"] as? String }
}
