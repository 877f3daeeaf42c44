import Foundation
import Testing
@testable import ChatMirror

/// The relay's pure parts: reading chunks, adding an answer up, the one rule for how a call ended, translating
/// requests for Anthropic, filtering forwarded fields, redacting upstream text.
@Suite struct RelayModelTests {
    private func chunk(_ json: String) throws -> UpstreamChunk {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        return UpstreamChunk(json: try #require(value.objectValue))
    }

    @Test func chunksCarryContentReasoningToolCallsRefusalAndUsage() throws {
        let deepseek = try chunk(#"{"choices":[{"index":0,"delta":{"reasoning_content":"think"},"finish_reason":null}]}"#)
        #expect(deepseek.choices.first?.reasoning == "think")
        #expect(deepseek.isVisible)
        let vllm = try chunk(#"{"choices":[{"index":0,"delta":{"reasoning":"hmm"}}]}"#)
        #expect(vllm.choices.first?.reasoning == "hmm")
        let call = try chunk(#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}"#)
        #expect(call.choices.first?.toolCalls.first == ToolCallDelta(index: 0, id: "call_1", type: "function", name: "get_weather", arguments: ""))
        let refusal = try chunk(#"{"choices":[{"index":0,"delta":{"refusal":"no"}}]}"#)
        #expect(refusal.choices.first?.refusal == "no")
        let role = try chunk(#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#)
        #expect(!role.isVisible)
        let usage = try chunk(#"{"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":12,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":7}}}"#)
        #expect(usage.usage?.prompt == 9)
        #expect(usage.usage?.cachedPrompt == 4)
        #expect(usage.usage?.reasoning == 7)
        #expect(usage.usage?.raw["total_tokens"] == .int(21))
    }

    @Test func hostileUsageNumbersAreClampedAndCannotOverflow() throws {
        let hostile = try chunk(#"{"choices":[],"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":9223372036854775807}}"#)
        let usage = try #require(hostile.usage)
        #expect(usage.prompt == UsageReport.maxTokens)
        #expect(usage.total == 2 * UsageReport.maxTokens)
        let huge = try chunk(#"{"choices":[],"usage":{"prompt_tokens":1e300,"completion_tokens":-5}}"#)
        #expect(huge.usage?.prompt == UsageReport.maxTokens)
        #expect(huge.usage?.completion == 0)
        let outcome = CallOutcome(ending: .completed, finishReason: "stop", producedOutput: true, reported: usage,
                                  promptEstimate: Int.max, outputEstimate: Int.max)
        #expect(outcome.quota == .settle(tokens: 2 * UsageReport.maxTokens))
    }

    @Test func toolCallsAreNumberedFromZeroWhateverIndexesTheUpstreamUsed() throws {
        var answer = AnswerAccumulator()
        // An upstream that numbers from 3 and interleaves two calls.
        let pieces = [
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":3,"id":"a","type":"function","function":{"name":"f","arguments":"{\"x\""}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":4,"id":"b","type":"function","function":{"name":"g","arguments":"{"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":3,"function":{"arguments":":1}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":4,"function":{"arguments":"}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ]
        var relayed: [Int] = []
        for piece in pieces {
            let out = answer.absorb(try chunk(piece))
            relayed += out.choices.flatMap { $0.toolCalls.map(\.index) }
            // The JSON relayed to clients carries the new numbers too.
            if let call = out.json["choices"]?.arrayValue?.first?.objectValue?["delta"]?.objectValue?["tool_calls"]?.arrayValue?.first {
                #expect(call.objectValue?["index"]?.intValue == out.choices.first?.toolCalls.first?.index)
            }
        }
        #expect(relayed == [0, 1, 0, 1])
        #expect(answer.toolCalls == [.init(id: "a", type: "function", name: "f", arguments: #"{"x":1}"#),
                                     .init(id: "b", type: "function", name: "g", arguments: "{}")])
        #expect(answer.finishReason == "tool_calls")
        let message = try #require(answer.message.objectValue)
        #expect(message["content"] == .null)
        #expect(message["tool_calls"]?.arrayValue?.count == 2)
    }

    @Test func theAggregateKeepsReasoningInTheFieldTheUpstreamUsedAndRefusals() throws {
        var vllm = AnswerAccumulator()
        _ = vllm.absorb(try chunk(#"{"choices":[{"index":0,"delta":{"reasoning":"step 1. "}}]}"#))
        _ = vllm.absorb(try chunk(#"{"choices":[{"index":0,"delta":{"reasoning":"step 2."}}]}"#))
        _ = vllm.absorb(try chunk(#"{"choices":[{"index":0,"delta":{"content":"42"},"logprobs":{"content":[{"token":"42","logprob":-0.5}]}}]}"#))
        let message = try #require(vllm.message.objectValue)
        #expect(message["reasoning"] == .string("step 1. step 2."))
        #expect(message["content"] == .string("42"))
        #expect(vllm.logprobs.objectValue?["content"]?.arrayValue?.count == 1)
        var refusing = AnswerAccumulator()
        _ = refusing.absorb(try chunk(#"{"choices":[{"index":0,"delta":{"refusal":"I can't"}}]}"#))
        #expect(refusing.message.objectValue?["refusal"] == .string("I can't"))
        #expect(refusing.message.objectValue?["content"] == .null)
        #expect(refusing.producedOutput)
    }

    /// The one rule: each way a call can end, with and without output.
    @Test(arguments: [
        (CallEnding.completed, true, "complete", "ok", true),
        (CallEnding.completed, false, "complete", "ok", true),
        (CallEnding.failed(UpstreamFailure(kind: .server, status: 500, message: "x")), true, "incomplete", "upstream_error", true),
        (CallEnding.failed(UpstreamFailure(kind: .server, status: 500, message: "x")), false, "error", "upstream_error", false),
        (CallEnding.stopped(.cancelled), true, "incomplete", "cancelled", true),
        (CallEnding.stopped(.cancelled), false, "incomplete", "cancelled", false),
        (CallEnding.stopped(.timeout), false, "incomplete", "timeout", false),
        (CallEnding.refused(AppError(.tooManyRequests, "quota_exceeded", "x"), ledgerOutcome: "quota"), false, "error", "quota", false),
    ])
    func howACallEndedDecidesStateLedgerAndQuota(ending: CallEnding, output: Bool, status: String, ledger: String, charged: Bool) {
        let outcome = CallOutcome(ending: ending, finishReason: output ? "stop" : nil, producedOutput: output, reported: nil,
                                  promptEstimate: 10, outputEstimate: output ? 5 : 0)
        #expect(outcome.status == status)
        #expect(outcome.ledgerOutcome == ledger)
        if charged {
            #expect(outcome.quota == .settle(tokens: outcome.promptTokens + outcome.completionTokens))
        } else {
            #expect(outcome.quota == .refund)
            #expect(outcome.promptTokens == 0)
        }
        if case .failed = ending { #expect(outcome.error?.code == "upstream_error") }
        if case .stopped(let reason) = ending { #expect(outcome.finishReason == reason.rawValue) }
    }

    @Test func onlyDocumentedFieldsAndTheAccountsExtrasAreForwarded() {
        let fields: [String: JSONValue] = ["temperature": .number(0.2), "tools": .array([]), "api_base": .string("http://evil"),
                                           "api_key": .string("sk-x"), "top_k": .int(5), "max_tokens": .int(10)]
        let plain = OpenAIRequestFields.body(fields, options: RelayOptions())
        #expect(Set(plain.keys) == ["temperature", "tools", "max_tokens"])
        let vllm = OpenAIRequestFields.body(fields, options: RelayOptions(maxTokensParam: .maxCompletionTokens, extraFields: ["top_k"]))
        #expect(Set(vllm.keys) == ["temperature", "tools", "top_k", "max_completion_tokens"])
        #expect(!OpenAIRequestFields.isAllowableExtra("api_key"))
        #expect(!OpenAIRequestFields.isAllowableExtra("bad name"))
        #expect(OpenAIRequestFields.isAllowableExtra("repetition_penalty"))
    }

    @Test func anthropicRequestsHoistSystemAndCarryToolsImagesAndResults() throws {
        let messages: [JSONValue] = try [
            #"{"role":"system","content":"be brief"}"#,
            #"{"role":"user","content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBOR"}}]}"#,
            #"{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"look","arguments":"{\"q\":1}"}}]}"#,
            #"{"role":"tool","tool_call_id":"call_1","content":"a cat"}"#,
        ].map { try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        let tools: JSONValue = try JSONDecoder().decode(JSONValue.self, from: Data(
            #"[{"type":"function","function":{"name":"look","description":"d","parameters":{"type":"object"}}}]"#.utf8))
        let body = AnthropicRequest.body(UpstreamChatRequest(model: "claude", messages: messages,
                                                             fields: ["tools": tools, "tool_choice": .string("required"),
                                                                      "parallel_tool_calls": .bool(false)]),
                                         model: "claude-x")
        #expect(body["system"] == .string("be brief"))
        #expect(body["max_tokens"] == .int(AnthropicRequest.defaultMaxTokens))
        let turns = try #require(body["messages"]?.arrayValue)
        #expect(turns.map { $0.objectValue?["role"]?.stringValue } == ["user", "assistant", "user"])
        let image = turns[0].objectValue?["content"]?.arrayValue?[1].objectValue
        #expect(image?["source"]?.objectValue?["media_type"] == .string("image/png"))
        let use = turns[1].objectValue?["content"]?.arrayValue?.first?.objectValue
        #expect(use?["type"] == .string("tool_use"))
        #expect(use?["input"] == .object(["q": .int(1)]))
        let result = turns[2].objectValue?["content"]?.arrayValue?.first?.objectValue
        #expect(result?["tool_use_id"] == .string("call_1"))
        #expect(body["tools"]?.arrayValue?.first?.objectValue?["input_schema"] == .object(["type": .string("object")]))
        #expect(body["tool_choice"] == .object(["type": .string("any"), "disable_parallel_tool_use": .bool(true)]))
        let sampling = AnthropicRequest.body(UpstreamChatRequest(model: "c", messages: [messages[1]],
                                                                 fields: ["temperature": .number(0.3), "top_p": .number(0.9)]), model: "c")
        #expect(sampling["temperature"] == .number(0.3))
        #expect(sampling["top_p"] == nil, "newer Claude models refuse both")
        let thinking = AnthropicRequest.body(UpstreamChatRequest(model: "c", messages: [messages[1]],
                                                                 fields: ["reasoning_effort": .string("low"), "temperature": .int(1)]),
                                             model: "c")
        #expect(thinking["thinking"]?.objectValue?["budget_tokens"] == .int(2048))
        #expect(thinking["temperature"] == nil)
        #expect((thinking["max_tokens"]?.intValue ?? 0) > 2048)
    }

    @Test func credentialsAreRedactedFromUpstreamText() {
        let text = """
            invalid key sk-proj-abcdefghijklmnop1234 for https://user:hunter2@internal.example/v1, \
            db postgres://app:pw@10.0.0.5/prod, Authorization: Bearer abcdefghijklmnopqrstuv, api_key=zzzzzzzzzz
            """
        let redacted = SecretRedactor.redact(text)
        for secret in ["sk-proj-abcdefghijklmnop1234", "hunter2", "10.0.0.5", "abcdefghijklmnopqrstuv", "zzzzzzzzzz"] {
            #expect(!redacted.contains(secret), "\(secret) in \(redacted)")
        }
        #expect(redacted.contains("invalid key"))
        #expect(SecretRedactor.redact("plain words", limit: 5) == "plain")
    }
}
