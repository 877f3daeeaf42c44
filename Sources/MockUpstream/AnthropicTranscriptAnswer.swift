import Foundation

/// The non-streamed Anthropic `message` a transcript adds up to, or the error it ends with.
struct AnthropicTranscriptAnswer {
    /// The HTTP status and JSON body to answer with.
    let status: Int
    let body: String

    /// Adds up the events: the `message_start` message, its content blocks (text, thinking with signature,
    /// tool_use with its input parsed from the JSON pieces), the stop reason and the latest usage.
    init(_ transcript: MockTranscript) {
        var message: [String: Any] = [:]
        var usage: [String: Any] = [:]
        var blocks: [Int: [String: Any]] = [:]
        var partialJSON: [Int: String] = [:]
        for event in transcript.payloads {
            let index = event["index"] as? Int ?? 0
            switch event["type"] as? String {
            case "message_start":
                message = event["message"] as? [String: Any] ?? [:]
                usage = message["usage"] as? [String: Any] ?? [:]
            case "content_block_start":
                blocks[index] = event["content_block"] as? [String: Any] ?? [:]
            case "content_block_delta":
                let delta = event["delta"] as? [String: Any] ?? [:]
                switch delta["type"] as? String {
                case "text_delta": Self.append(delta["text"], to: "text", of: &blocks[index])
                case "thinking_delta": Self.append(delta["thinking"], to: "thinking", of: &blocks[index])
                case "signature_delta": Self.append(delta["signature"], to: "signature", of: &blocks[index])
                case "input_json_delta": partialJSON[index, default: ""] += delta["partial_json"] as? String ?? ""
                default: break
                }
            case "message_delta":
                for (key, value) in event["delta"] as? [String: Any] ?? [:] { message[key] = value }
                usage.merge(event["usage"] as? [String: Any] ?? [:]) { _, new in new }
            case "error":
                let error = event["error"] as? [String: Any] ?? [:]
                status = Self.status(of: error["type"] as? String)
                body = MockJSON.string(["type": "error", "error": error])
                return
            default: break
            }
        }
        for (index, json) in partialJSON {
            blocks[index]?["input"] = MockJSON.object(Data(json.utf8)) ?? [String: Any]()
        }
        message["content"] = blocks.keys.sorted().compactMap { blocks[$0] }
        message["usage"] = usage
        status = 200
        body = MockJSON.string(message)
    }

    private static func append(_ piece: Any?, to field: String, of block: inout [String: Any]?) {
        let sum = (block?[field] as? String ?? "") + (piece as? String ?? "")
        block?[field] = sum
    }

    private static func status(of type: String?) -> Int {
        switch type {
        case "invalid_request_error": 400
        case "authentication_error": 401
        case "permission_error": 403
        case "not_found_error": 404
        case "rate_limit_error": 429
        case "overloaded_error": 529
        default: 500
        }
    }
}
