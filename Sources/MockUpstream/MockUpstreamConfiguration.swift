import Foundation

/// How the mock upstream answers; every field can be changed at run time (`PUT /_mock/config`, snake_case keys)
/// or per request with directives in the last user message (see `MockDirectives`).
public struct MockUpstreamConfiguration: Sendable, Codable, Equatable {
    /// Models served; others are 404 `model_not_found` when `unknownModelsAre404`.
    public var models: [String] = ["mock-gpt", "mock-gpt-mini"]
    /// When set, requests need `Authorization: Bearer <apiKey>` (OpenAI) or `x-api-key` (Anthropic).
    public var apiKey: String?
    /// Pieces the answer is split into.
    public var chunkCount = 8
    /// Pause between pieces.
    public var chunkDelayMs = 10
    /// Pause before the first piece (after the response head).
    public var firstTokenDelayMs = 0
    /// Answer "Echo: <last user message>".
    public var echo = false
    /// A fixed answer.
    public var reply: String?
    /// A failure mode: 401, 403, 404, 429, 500, 503, hang, hang_after_headers, close, malformed, slow.
    public var failure: String?
    /// Pieces sent before `close` or `malformed` strike.
    public var failAfterChunks = 2
    /// `Retry-After` of a 429.
    public var retryAfterSeconds = 7
    /// Pause between pieces in `slow` mode.
    public var slowDripMs = 1000
    /// Report usage (final chunk / `stream_options.include_usage`).
    public var includeUsage = true
    /// Unknown models get 404.
    public var unknownModelsAre404 = true

    /// The defaults.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case models, apiKey = "api_key", chunkCount = "chunk_count", chunkDelayMs = "chunk_delay_ms"
        case firstTokenDelayMs = "first_token_delay_ms", echo, reply, failure, failAfterChunks = "fail_after_chunks"
        case retryAfterSeconds = "retry_after_seconds", slowDripMs = "slow_drip_ms", includeUsage = "include_usage"
        case unknownModelsAre404 = "unknown_models_are_404"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = MockUpstreamConfiguration()
        models = try container.decodeIfPresent([String].self, forKey: .models) ?? defaults.models
        apiKey = try container.decodeIfPresent(String.self, forKey: .apiKey)
        chunkCount = try container.decodeIfPresent(Int.self, forKey: .chunkCount) ?? defaults.chunkCount
        chunkDelayMs = try container.decodeIfPresent(Int.self, forKey: .chunkDelayMs) ?? defaults.chunkDelayMs
        firstTokenDelayMs = try container.decodeIfPresent(Int.self, forKey: .firstTokenDelayMs) ?? defaults.firstTokenDelayMs
        echo = try container.decodeIfPresent(Bool.self, forKey: .echo) ?? defaults.echo
        reply = try container.decodeIfPresent(String.self, forKey: .reply)
        failure = try container.decodeIfPresent(String.self, forKey: .failure)
        failAfterChunks = try container.decodeIfPresent(Int.self, forKey: .failAfterChunks) ?? defaults.failAfterChunks
        retryAfterSeconds = try container.decodeIfPresent(Int.self, forKey: .retryAfterSeconds) ?? defaults.retryAfterSeconds
        slowDripMs = try container.decodeIfPresent(Int.self, forKey: .slowDripMs) ?? defaults.slowDripMs
        includeUsage = try container.decodeIfPresent(Bool.self, forKey: .includeUsage) ?? defaults.includeUsage
        unknownModelsAre404 = try container.decodeIfPresent(Bool.self, forKey: .unknownModelsAre404) ?? defaults.unknownModelsAre404
    }
}

/// Per-request overrides written in the last user message as `[[mock:key=value]]` (repeatable). Keys: `fail`,
/// `chunks`, `delay_ms`, `ttft_ms`, `after`, `retry_after`, `echo` (1/0), `reply` (the rest up to `]]`, may hold
/// spaces, quotes and markup). Directives are removed from the text the mock answers to.
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
            let value = parts[1]
            switch parts[0].trimmingCharacters(in: .whitespaces) {
            case "fail": configuration.failure = value
            case "chunks": configuration.chunkCount = Int(value) ?? configuration.chunkCount
            case "delay_ms": configuration.chunkDelayMs = Int(value) ?? configuration.chunkDelayMs
            case "ttft_ms": configuration.firstTokenDelayMs = Int(value) ?? configuration.firstTokenDelayMs
            case "after": configuration.failAfterChunks = Int(value) ?? configuration.failAfterChunks
            case "retry_after": configuration.retryAfterSeconds = Int(value) ?? configuration.retryAfterSeconds
            case "echo": configuration.echo = value == "1" || value == "true"
            case "reply": configuration.reply = value
            default: break
            }
        }
        return (cleaned + remaining).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The answer text, split into pieces.
enum MockAnswer {
    static func pieces(for prompt: String, configuration: MockUpstreamConfiguration) -> [String] {
        let count = max(1, configuration.chunkCount)
        let text: String
        if let reply = configuration.reply {
            text = reply
        } else if configuration.echo {
            text = "Echo: " + prompt
        } else {
            let words = ["Mock", "answer", "to:", String(prompt.prefix(40))] + (0..<count).map { "word\($0)" }
            text = words.joined(separator: " ")
        }
        guard count > 1 else { return [text] }
        let characters = Array(text)
        let size = max(1, (characters.count + count - 1) / count)
        var pieces: [String] = []
        var index = 0
        while index < characters.count, pieces.count < count {
            let end = pieces.count == count - 1 ? characters.count : min(characters.count, index + size)
            pieces.append(String(characters[index..<end]))
            index = end
        }
        return pieces
    }

    static func tokens(_ text: String) -> Int { max(1, (text.utf8.count + 3) / 4) }
}
