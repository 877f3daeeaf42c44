import Foundation
import HTTPTypes
import HummingbirdTesting
import MockUpstream
import Testing
@testable import ChatMirror

/// `/v1` beyond plain text: tool calls both ways, forwarded fields, the Responses API (translated and passed
/// through) and embeddings, each with its bad inputs.
@Suite struct RelayAPITests {
    private func key(_ f: ChatFixture) async throws -> String {
        let created = try await f.app.request(.post, "/api/me/api-keys", json: #"{"name":"api"}"#, session: f.user)
        return try #require(try created.json()["key"] as? String)
    }

    private func post(_ f: ChatFixture, _ path: String, key: String, _ json: String) async throws -> TestResponse {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(key)"
        return try await f.app.request(.post, path, json: json, headers: headers)
    }

    private func fixture(_ body: @escaping @Sendable (ChatFixture, String) async throws -> Void) async throws {
        var mock = MockUpstreamConfiguration()
        mock.chunkDelayMs = 0
        mock.chunkCount = 3
        try await ChatFixture.with(mock: mock) { f in try await body(f, try await key(f)) }
    }

    private func lastUpstreamBody(_ f: ChatFixture) throws -> [String: Any] {
        let body = try #require(f.mock.state.snapshot.lastRequestBody)
        return try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    static let tools = #"[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"query":{"type":"string"}}}}}]"#

    @Test func toolCallsComeBackStreamedAndNotAndTheirResultsGoUpstream() async throws {
        try await fixture { f, key in
            let ask = #"{"model":"mock-gpt","tools":\#(Self.tools),"tool_choice":"auto","messages":[{"role":"user","content":"Paris [[mock:tool_calls=2]]"}]"#
            let plain = try await post(f, "/v1/chat/completions", key: key, ask + "}")
            #expect(plain.status == .ok)
            let choice = try #require((try plain.json()["choices"] as? [[String: Any]])?.first)
            #expect(choice["finish_reason"] as? String == "tool_calls")
            let calls = try #require((choice["message"] as? [String: Any])?["tool_calls"] as? [[String: Any]])
            #expect(calls.count == 2)
            #expect((calls.first?["function"] as? [String: Any])?["name"] as? String == "get_weather")
            let forwarded = try lastUpstreamBody(f)
            #expect(forwarded["tools"] != nil)
            #expect(forwarded["tool_choice"] as? String == "auto")

            let streamed = try await post(f, "/v1/chat/completions", key: key, ask + #","stream":true}"#)
            let answer = ClientAnswer(sse: streamed.text)
            #expect(answer.calls.keys.sorted() == [0, 1])
            #expect(answer.finishReason == "tool_calls")
            #expect(answer.calls[0]?.arguments.contains("Paris") == true)

            let callId = try #require(calls.first?["id"] as? String)
            let result = try await post(f, "/v1/chat/completions", key: key, """
                {"model":"mock-gpt","tools":\(Self.tools),"messages":[{"role":"user","content":"Paris"},\
                {"role":"assistant","content":null,"tool_calls":[{"id":"\(callId)","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},\
                {"role":"tool","tool_call_id":"\(callId)","content":"sunny, 21 C"}]}
                """)
            #expect(result.status == .ok)
            let text = ((try result.json()["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
            #expect(text?.contains("sunny, 21 C") == true)
            let messages = try #require(try lastUpstreamBody(f)["messages"] as? [[String: Any]])
            #expect(messages.last?["role"] as? String == "tool")
            #expect(messages.last?["tool_call_id"] as? String == callId)
            #expect((messages[1]["tool_calls"] as? [[String: Any]])?.first?["id"] as? String == callId)
        }
    }

    @Test func documentedFieldsAndPartsReachTheUpstreamIntactAndJunkDoesNot() async throws {
        try await fixture { f, key in
            let response = try await post(f, "/v1/chat/completions", key: key, """
                {"model":"mock-gpt","max_completion_tokens":77,"seed":3,"response_format":{"type":"json_object"},"logprobs":true,\
                "api_base":"http://evil.example","api_key":"sk-x","junk":1,"user":"alice@corp",\
                "messages":[{"role":"user","content":[{"type":"text","text":"what is this?"},\
                {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]}]}
                """)
            #expect(response.status == .ok)
            let forwarded = try lastUpstreamBody(f)
            #expect(forwarded["max_completion_tokens"] as? Int == 77)
            #expect(forwarded["seed"] as? Int == 3)
            #expect(forwarded["logprobs"] as? Bool == true)
            #expect((forwarded["response_format"] as? [String: Any])?["type"] as? String == "json_object")
            for junk in ["api_base", "api_key", "junk", "user"] { #expect(forwarded[junk] == nil, "\(junk) was forwarded") }
            let parts = (forwarded["messages"] as? [[String: Any]])?.first?["content"] as? [[String: Any]]
            #expect((parts?.last?["image_url"] as? [String: Any])?["url"] as? String == "data:image/png;base64,iVBORw0KGgo=")
            #expect((forwarded["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
        }
    }

    /// Bad inputs of the chat request: each a 400 naming its field, nothing sent upstream.
    @Test(arguments: [
        (#"{"model":"mock-gpt","n":2,"messages":[{"role":"user","content":"x"}]}"#, "n"),
        (#"{"model":"mock-gpt","max_completion_tokens":0,"messages":[{"role":"user","content":"x"}]}"#, "max_completion_tokens"),
        (#"{"model":"mock-gpt","tools":"all","messages":[{"role":"user","content":"x"}]}"#, "tools"),
        (#"{"model":"mock-gpt","tool_choice":3,"messages":[{"role":"user","content":"x"}]}"#, "tool_choice"),
        (#"{"model":"mock-gpt","messages":[{"role":"user","content":[{"type":"video","url":"x"}]}]}"#, "messages"),
        (#"{"model":"mock-gpt","messages":[{"role":"user","content":"x","tool_calls":[]}]}"#, "messages"),
        (#"{"model":"mock-gpt","stream_options":true,"messages":[{"role":"user","content":"x"}]}"#, "stream_options"),
    ])
    func badChatRequestsAre400sNamingTheField(body: String, param: String) async throws {
        try await fixture { f, key in
            let response = try await post(f, "/v1/chat/completions", key: key, body)
            #expect(response.status == .badRequest)
            #expect(((try response.json()["error"] as? [String: Any])?["param"] as? String) == param)
            #expect(f.mock.state.snapshot.requests == 0)
        }
    }

    @Test func theResponsesAPIIsTranslatedForChatOnlyAccountsStreamedAndNot() async throws {
        try await fixture { f, key in
            let plain = try await post(f, "/v1/responses", key: key, #"{"model":"mock-gpt","instructions":"be brief","input":"hi [[mock:reply=Hello there]]"}"#)
            #expect(plain.status == .ok)
            let body = try plain.json()
            #expect(body["object"] as? String == "response")
            #expect(body["status"] as? String == "completed")
            let output = try #require(body["output"] as? [[String: Any]])
            let text = ((output.first?["content"] as? [[String: Any]])?.first?["text"]) as? String
            #expect(text == "Hello there")
            #expect(((body["usage"] as? [String: Any])?["input_tokens"] as? Int ?? 0) > 0)
            let upstream = try lastUpstreamBody(f)
            #expect((upstream["messages"] as? [[String: Any]])?.first?["role"] as? String == "system")

            let streamed = try await post(f, "/v1/responses", key: key, #"{"model":"mock-gpt","stream":true,"input":"hi [[mock:reply=Hello there]]"}"#)
            let (events, _) = SSE.parse(streamed.text)
            #expect(events.first?.name == "response.created")
            #expect(events.last?.name == "response.completed")
            #expect(events.filter { $0.name == "response.output_text.delta" }.compactMap { $0.data["delta"] }.joined() == "Hello there")
            let numbers = events.compactMap { Int($0.data["sequence_number"] ?? "") }
            #expect(numbers == Array(0..<events.count))

            // Function tools and their outputs.
            let tools = #"[{"type":"function","name":"get_weather","parameters":{"type":"object","properties":{"query":{"type":"string"}}}}]"#
            let call = try await post(f, "/v1/responses", key: key, #"{"model":"mock-gpt","tools":\#(tools),"input":"Paris"}"#)
            let item = try #require((try call.json()["output"] as? [[String: Any]])?.first { $0["type"] as? String == "function_call" })
            #expect(item["name"] as? String == "get_weather")
            let callId = try #require(item["call_id"] as? String)
            let answer = try await post(f, "/v1/responses", key: key, """
                {"model":"mock-gpt","tools":\(tools),"input":[{"role":"user","content":"Paris"},\
                {"type":"function_call","call_id":"\(callId)","name":"get_weather","arguments":"{}"},\
                {"type":"function_call_output","call_id":"\(callId)","output":"rainy"}]}
                """)
            let final = try #require(try answer.json()["output"] as? [[String: Any]])
            #expect(((final.first?["content"] as? [[String: Any]])?.first?["text"] as? String)?.contains("rainy") == true)

            // Built-in tools need an account that serves the Responses API.
            let builtIn = try await post(f, "/v1/responses", key: key, #"{"model":"mock-gpt","tools":[{"type":"web_search"}],"input":"news"}"#)
            #expect(builtIn.status == .badRequest)
            let badInput = try await post(f, "/v1/responses", key: key, #"{"model":"mock-gpt","input":42}"#)
            #expect(badInput.status == .badRequest)
        }
    }

    @Test func theResponsesAPIIsPassedThroughToAccountsThatServeIt() async throws {
        try await fixture { f, key in
            let accounts = try await f.app.request(.get, "/api/admin/accounts", session: f.admin).json()
            let id = try #require((accounts["accounts"] as? [[String: Any]])?.first?["id"] as? Int)
            let changed = try await f.app.request(.patch, "/api/admin/accounts/\(id)", json: #"{"capabilities":["responses"]}"#, session: f.admin)
            #expect((try changed.json()["capabilities"] as? [String]) == ["responses"])
            let bad = try await f.app.request(.patch, "/api/admin/accounts/\(id)", json: #"{"capabilities":["teleport"]}"#, session: f.admin)
            #expect(bad.status == .badRequest)

            let streamed = try await post(f, "/v1/responses", key: key, #"{"model":"mock-gpt","stream":true,"tools":[{"type":"web_search"}],"input":"hi [[mock:reply=Passed]]"}"#)
            #expect(streamed.status == .ok)
            #expect(f.mock.state.requests.last?.path == "/v1/responses")
            let (events, _) = SSE.parse(streamed.text)
            #expect(events.last?.name == "response.completed")
            #expect(events.filter { $0.name == "response.output_text.delta" }.compactMap { $0.data["delta"] }.joined() == "Passed")
            let plain = try await post(f, "/v1/responses", key: key, #"{"model":"mock-gpt","input":"hi [[mock:reply=Passed]]"}"#)
            #expect(plain.status == .ok)
            #expect(try plain.json()["object"] as? String == "response")
            let forwarded = try lastUpstreamBody(f)
            #expect(forwarded["input"] as? String != nil)
            #expect(forwarded["stream"] as? Bool == true)
        }
    }

    @Test func embeddingsArePassedThroughAndCounted() async throws {
        try await fixture { f, key in
            let users = try await f.app.request(.get, "/api/admin/users?q=alice", session: f.admin).json()
            let aliceId = try #require((users["users"] as? [[String: Any]])?.first?["id"] as? Int)
            _ = try await f.app.request(.put, "/api/admin/users/\(aliceId)/limits", json: #"{"limits":[{"window":"day","max_requests":10}]}"#,
                                        session: f.admin)
            let response = try await post(f, "/v1/embeddings", key: key, #"{"model":"mock-gpt","input":["one","two"],"user":"alice@corp"}"#)
            #expect(response.status == .ok)
            let body = try response.json()
            #expect((body["data"] as? [[String: Any]])?.count == 2)
            #expect(body["model"] as? String == "mock-gpt")
            #expect(f.mock.state.requests.last?.path == "/v1/embeddings")
            #expect(try lastUpstreamBody(f)["user"] == nil)
            let quota = try await f.app.request(.get, "/api/me/quota", session: f.user).json()
            #expect((quota["limits"] as? [[String: Any]])?.first?["used_requests"] as? Int == 1)
            for bad in [#"{"model":"mock-gpt"}"#, #"{"model":"mock-gpt","input":5}"#, #"{"model":"mock-gpt","input":"x","encoding_format":"hex"}"#,
                        #"{"model":"mock-gpt","input":[]}"#, #"{"input":"x"}"#] {
                let refused = try await post(f, "/v1/embeddings", key: key, bad)
                #expect(refused.status == .badRequest, "\(bad)")
            }
            #expect(try await post(f, "/v1/embeddings", key: key, #"{"model":"nope","input":"x"}"#).status == .notFound)
        }
    }
}
