import Foundation

/// Per-request overrides written in the last user message as `[[mock:key=value]]` (repeatable). Keys: `fail`,
/// `chunks`, `delay_ms`, `ttft_ms`, `after`, `retry_after`, `echo` (1/0), `reply` (the rest up to `]]`, may hold
/// spaces, quotes and markup), `transcript` (a recorded stream's name), `tool_calls` (how many calls to make when
/// the request offers tools; 0 answers with text), `reasoning` (`deepseek`, `vllm`, `none`). Directives are
/// removed from the text the mock answers to.
public enum MockDirectives {
    /// Applies the directives in `text` to `configuration`, returning the text without them.
    public static func apply(_ text: String, to configuration: inout MockUpstreamConfiguration) -> String {
        var remaining = text
        var cleaned = ""
        while let open = remaining.range(of: "[[mock:") {
            cleaned += remaining[..<open.lowerBound]
            let afterOpen = remaining[open.upperBound...]
            guard let close = afterOpen.range(of: "]]") else {
                remaining = String(afterOpen)
                break
            }
            let body = afterOpen[..<close.lowerBound]
            remaining = String(afterOpen[close.upperBound...])
            let parts = body.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            set(parts[0].trimmingCharacters(in: .whitespaces), to: parts[1], in: &configuration)
        }
        return (cleaned + remaining).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func set(_ key: String, to value: String, in configuration: inout MockUpstreamConfiguration) {
        switch key {
        case "fail": configuration.failure = value
        case "chunks": configuration.chunkCount = Int(value) ?? configuration.chunkCount
        case "delay_ms": configuration.chunkDelayMs = Int(value) ?? configuration.chunkDelayMs
        case "ttft_ms": configuration.firstTokenDelayMs = Int(value) ?? configuration.firstTokenDelayMs
        case "after": configuration.failAfterChunks = Int(value) ?? configuration.failAfterChunks
        case "retry_after": configuration.retryAfterSeconds = Int(value) ?? configuration.retryAfterSeconds
        case "echo": configuration.echo = value == "1" || value == "true"
        case "reply": configuration.reply = value
        case "transcript": configuration.transcript = value.trimmingWhitespace()
        case "tool_calls": configuration.toolCalls = Int(value.trimmingWhitespace()) ?? configuration.toolCalls
        case "reasoning":
            let style = value.trimmingWhitespace().lowercased()
            configuration.reasoning = style.isEmpty || style == "none" ? nil : style
        default: break
        }
    }
}
