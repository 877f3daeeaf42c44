import Foundation
import Hummingbird

/// The parts of an OpenAI or Anthropic chat request the mock looks at.
struct MockChatRequest {
    var model: String
    var lastUserText: String
    var promptText: String
    var stream: Bool
    var includeUsage: Bool

    /// Parses a request body; nil when it is not a chat request.
    init?(json data: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let model = object["model"] as? String, let messages = object["messages"] as? [[String: Any]]
        else { return nil }
        self.model = model
        let texts = messages.map { Self.text(of: $0["content"]) }
        let system = Self.text(of: object["system"])
        promptText = ([system] + texts).joined(separator: "\n")
        lastUserText = Array(zip(messages, texts)).last { $0.0["role"] as? String == "user" }?.1 ?? ""
        stream = object["stream"] as? Bool ?? false
        includeUsage = (object["stream_options"] as? [String: Any])?["include_usage"] as? Bool ?? false
    }

    /// Text of a `content` that is a string or an array of `{type: "text", text}` parts.
    static func text(of content: Any?) -> String {
        if let text = content as? String { return text }
        if let parts = content as? [[String: Any]] {
            return parts.compactMap { $0["type"] as? String == "text" ? $0["text"] as? String : nil }.joined()
        }
        return ""
    }
}

/// JSON string escaping for hand-built chunks.
enum MockJSON {
    static func quote(_ string: String) -> String {
        var out = "\""
        out.reserveCapacity(string.utf8.count + 2)
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let s where s.value < 0x20: out += String(format: "\\u%04x", s.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func response(_ status: HTTPResponse.Status, _ json: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}

/// Waits, ending early on graceful shutdown or cancellation.
func mockSleep(milliseconds: Int) async throws {
    guard milliseconds > 0 else { return }
    try await Task.sleep(for: .milliseconds(milliseconds))
}
