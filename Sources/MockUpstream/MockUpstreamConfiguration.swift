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
    /// Models `/v1/embeddings` serves besides `models`.
    public var embeddingModels = ["mock-embed"]
    /// Where `transcript` names are looked up (`NAME.sse`, optionally `NAME.json`); nil: `MOCK_TRANSCRIPTS_DIR`,
    /// then this checkout's `Tests/Fixtures/transcripts`.
    public var transcriptsDir: String?
    /// Replay this recorded vendor stream instead of making up an answer.
    public var transcript: String?
    /// Tool calls made when a request offers tools (nil: one; 0: answer with text instead).
    public var toolCalls: Int?
    /// Reasoning before the answer: "deepseek" (`reasoning_content`) or "vllm" (`reasoning`) on the OpenAI
    /// route; any value turns on a thinking block on the Anthropic route.
    public var reasoning: String?

    /// The defaults.
    public init() {}

    /// This checkout's `Tests/Fixtures/transcripts`, where `transcript` names are found unless configured otherwise.
    public static var fixtureTranscriptsDirectory: String { MockTranscript.bundledDirectory }

    enum CodingKeys: String, CodingKey {
        case models
        case apiKey = "api_key"
        case chunkCount = "chunk_count"
        case chunkDelayMs = "chunk_delay_ms"
        case firstTokenDelayMs = "first_token_delay_ms"
        case echo, reply, failure
        case failAfterChunks = "fail_after_chunks"
        case retryAfterSeconds = "retry_after_seconds"
        case slowDripMs = "slow_drip_ms"
        case includeUsage = "include_usage"
        case unknownModelsAre404 = "unknown_models_are_404"
        case embeddingModels = "embedding_models"
        case transcriptsDir = "transcripts_dir"
        case transcript
        case toolCalls = "tool_calls"
        case reasoning
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = MockUpstreamConfiguration()
        models = try container.decodeIfPresent([String].self, forKey: .models) ?? defaults.models
        apiKey = try container.decodeIfPresent(String.self, forKey: .apiKey)
        chunkCount = try container.decodeIfPresent(Int.self, forKey: .chunkCount) ?? defaults.chunkCount
        chunkDelayMs = try container.decodeIfPresent(Int.self, forKey: .chunkDelayMs) ?? defaults.chunkDelayMs
        firstTokenDelayMs =
            try container.decodeIfPresent(Int.self, forKey: .firstTokenDelayMs) ?? defaults.firstTokenDelayMs
        echo = try container.decodeIfPresent(Bool.self, forKey: .echo) ?? defaults.echo
        reply = try container.decodeIfPresent(String.self, forKey: .reply)
        failure = try container.decodeIfPresent(String.self, forKey: .failure)
        failAfterChunks = try container.decodeIfPresent(Int.self, forKey: .failAfterChunks) ?? defaults.failAfterChunks
        retryAfterSeconds =
            try container.decodeIfPresent(Int.self, forKey: .retryAfterSeconds) ?? defaults.retryAfterSeconds
        slowDripMs = try container.decodeIfPresent(Int.self, forKey: .slowDripMs) ?? defaults.slowDripMs
        includeUsage = try container.decodeIfPresent(Bool.self, forKey: .includeUsage) ?? defaults.includeUsage
        unknownModelsAre404 =
            try container.decodeIfPresent(Bool.self, forKey: .unknownModelsAre404) ?? defaults.unknownModelsAre404
        embeddingModels =
            try container.decodeIfPresent([String].self, forKey: .embeddingModels) ?? defaults.embeddingModels
        transcriptsDir = try container.decodeIfPresent(String.self, forKey: .transcriptsDir)
        transcript = try container.decodeIfPresent(String.self, forKey: .transcript)
        toolCalls = try container.decodeIfPresent(Int.self, forKey: .toolCalls)
        reasoning = try container.decodeIfPresent(String.self, forKey: .reasoning)
    }
}
