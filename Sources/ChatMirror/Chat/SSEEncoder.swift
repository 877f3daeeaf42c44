import HTTPTypes
import NIOCore

/// Frames the web app's server-sent events.
enum SSEEncoder {
    /// Response headers of every event stream: never cached, never buffered by a reverse proxy.
    static let headers: HTTPFields = [
        .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache, no-store", .xAccelBuffering: "no",
    ]

    static func event(_ name: String, json: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(json.count + name.utf8.count + 16)
        buffer.writeString("event: ")
        buffer.writeString(name)
        buffer.writeString("\ndata: ")
        buffer.writeBytes(json)
        buffer.writeString("\n\n")
        return buffer
    }

    static func meta(_ generation: Generation) -> ByteBuffer {
        event("meta", json: JSONValue.object([
            "conversation_id": .string(generation.conversationId),
            "user_message_id": .string(generation.userMessageId),
            "assistant_message_id": .string(generation.assistantMessageId),
            "model": .string(generation.model),
        ]).encoded())
    }

    /// A delta frame; built by hand because it is the hot path.
    static func delta(_ text: String) -> ByteBuffer { textEvent("delta", text) }

    /// A piece of thinking.
    static func reasoning(_ text: String) -> ByteBuffer { textEvent("reasoning", text) }

    private static func textEvent(_ name: String, _ text: String) -> ByteBuffer {
        var json: [UInt8] = Array("{\"text\":".utf8)
        json.reserveCapacity(text.utf8.count + 12)
        JSONString.append(text, to: &json)
        json.append(UInt8(ascii: "}"))
        return event(name, json: json)
    }

    static func encode(_ event: GenerationEvent) -> ByteBuffer {
        switch event {
        case .delta(let text):
            return delta(text)
        case .reasoning(let text):
            return reasoning(text)
        case .done(let status, let finishReason, let prompt, let completion):
            return self.event("done", json: JSONValue.object([
                "status": .string(status), "finish_reason": .string(finishReason),
                "usage": .object(["prompt_tokens": .int(prompt), "completion_tokens": .int(completion)]),
            ]).encoded())
        case .failed(let code, let message, let status):
            return self.event("error", json: JSONValue.object([
                "code": .string(code), "message": .string(message), "status": .string(status),
            ]).encoded())
        case .heartbeat:
            return ByteBuffer(string: ": ping\n\n")
        }
    }
}
