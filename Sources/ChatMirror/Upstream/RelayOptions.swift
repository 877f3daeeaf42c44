import Foundation

/// How requests are relayed to one upstream account: what it can do beyond chat, how it spells the output limit,
/// and which request fields outside OpenAI's documented set the admin lets through.
struct RelayOptions: Sendable, Equatable, Codable {
    /// What an account offers beyond streamed chat completions.
    enum Capability: String, Sendable, Codable, CaseIterable {
        /// Serves `/v1/responses` itself (passed through; other accounts get it translated to chat completions).
        case responses
    }

    /// How the output limit is spelled upstream.
    enum MaxTokensParam: String, Sendable, Codable, CaseIterable {
        /// As the client sent it.
        case auto
        /// Always `max_tokens` (older OpenAI-compatible servers).
        case maxTokens = "max_tokens"
        /// Always `max_completion_tokens` (OpenAI's o-series and newer models).
        case maxCompletionTokens = "max_completion_tokens"
    }

    var capabilities: [Capability] = []
    var maxTokensParam: MaxTokensParam = .auto
    /// Request fields forwarded besides OpenAI's documented ones (e.g. `top_k`, `repetition_penalty` for vLLM).
    var extraFields: [String] = []

    init(capabilities: [Capability] = [], maxTokensParam: MaxTokensParam = .auto, extraFields: [String] = []) {
        self.capabilities = capabilities
        self.maxTokensParam = maxTokensParam
        self.extraFields = extraFields
    }

    /// Reads the stored JSON; anything unreadable counts as the defaults.
    init(json: String?) {
        guard let json, let decoded = try? JSONDecoder().decode(RelayOptions.self, from: Data(json.utf8)) else {
            self.init()
            return
        }
        self = decoded
    }

    enum CodingKeys: String, CodingKey {
        case capabilities, maxTokensParam = "max_tokens_param", extraFields = "extra_fields"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        capabilities = try container.decodeIfPresent([Capability].self, forKey: .capabilities) ?? []
        maxTokensParam = try container.decodeIfPresent(MaxTokensParam.self, forKey: .maxTokensParam) ?? .auto
        extraFields = try container.decodeIfPresent([String].self, forKey: .extraFields) ?? []
    }

    /// The JSON stored in `upstream_accounts.relay_options`; nil for the defaults.
    var stored: String? {
        guard self != RelayOptions() else { return nil }
        return String(decoding: (try? JSONEncoder().encode(self)) ?? Data(), as: UTF8.self)
    }

    func has(_ capability: Capability) -> Bool { capabilities.contains(capability) }
}

/// The request fields of OpenAI's chat completions that ChatMirror forwards; anything else a client sends
/// (`api_base`, `api_key`, junk) stays here unless the account's admin allowed it by name.
enum OpenAIRequestFields {
    /// Documented request fields, less those ChatMirror sets itself (`model`, `messages`, `stream`,
    /// `stream_options`, `user`).
    static let forwarded: Set<String> = [
        "audio", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs", "max_completion_tokens",
        "max_tokens", "metadata", "modalities", "n", "parallel_tool_calls", "prediction", "presence_penalty",
        "prompt_cache_key", "reasoning_effort", "response_format", "safety_identifier", "seed", "service_tier", "stop",
        "store", "temperature", "tool_choice", "tools", "top_logprobs", "top_p", "verbosity", "web_search_options",
    ]

    /// Field names an admin may allow besides the documented ones: plain identifiers, never ours or credentials.
    static func isAllowableExtra(_ name: String) -> Bool {
        let reserved: Set<String> = ["model", "messages", "stream", "stream_options", "user", "api_key", "api_base", "base_url",
                                     "authorization", "headers", "extra_headers"]
        return (1...64).contains(name.count) && !reserved.contains(name.lowercased())
            && name.unicodeScalars.allSatisfy { ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || $0 == "_" }
    }

    /// The body fields sent to an OpenAI-compatible account: the documented ones and the account's extras, with
    /// the output limit spelled as the account wants.
    static func body(_ fields: [String: JSONValue], options: RelayOptions) -> [String: JSONValue] {
        let extras = Set(options.extraFields)
        var body = fields.filter { forwarded.contains($0.key) || extras.contains($0.key) }
        switch options.maxTokensParam {
        case .auto: break
        case .maxTokens:
            if let value = body.removeValue(forKey: "max_completion_tokens"), body["max_tokens"] == nil { body["max_tokens"] = value }
        case .maxCompletionTokens:
            if let value = body.removeValue(forKey: "max_tokens"), body["max_completion_tokens"] == nil {
                body["max_completion_tokens"] = value
            }
        }
        return body
    }
}
