import Foundation

/// Which level a limit belongs to.
enum QuotaScope: String, Sendable, Codable {
    /// The whole site.
    case global
    /// A plan (given to users, or to upstream accounts).
    case plan
    /// One user's own override.
    case user
}

/// One limit as stored.
struct QuotaLimitRow: Sendable, Decodable {
    let id: Int
    let scope: String
    let scopeId: Int
    let windowSpec: String
    let maxRequests: Int?
    let maxTokens: Int?
    let modelPattern: String?
    let modelWeights: String?
    let position: Int
}

/// A limit ready to evaluate.
struct QuotaLimit: Sendable {
    let id: Int
    let window: QuotaWindow
    let maxRequests: Int?
    let maxTokens: Int?
    let modelPattern: String?
    let weights: [String: Int]

    init?(_ row: QuotaLimitRow) {
        guard let window = QuotaWindow(row.windowSpec) else { return nil }
        id = row.id
        self.window = window
        maxRequests = row.maxRequests
        maxTokens = row.maxTokens
        modelPattern = row.modelPattern
        weights = row.modelWeights.flatMap { try? JSONDecoder().decode([String: Int].self, from: Data($0.utf8)) } ?? [:]
    }

    /// Whether this limit counts `model`.
    func applies(to model: String) -> Bool { modelPattern.map { Glob.matches($0, model) } ?? true }

    /// How much one request of `model` counts (exact name first, then the first matching pattern, else 1).
    func weight(for model: String) -> Int {
        if let exact = weights[model] { return exact }
        return weights.keys.sorted().first { Glob.matches($0, model) }.flatMap { weights[$0] } ?? 1
    }
}

/// A limit as the admin API reads and writes it.
struct LimitBody: Codable, Sendable {
    var window: String
    var maxRequests: Int?
    var maxTokens: Int?
    var modelPattern: String?
    var modelWeights: [String: Int]?

    /// Largest `max_requests` a limit may set (far beyond any real limit; keeps every sum and product in range).
    static let maxRequestsBound = 1_000_000_000
    /// Largest `max_tokens` a limit may set.
    static let maxTokensBound = 1_000_000_000_000

    func validate(index: Int) throws {
        guard QuotaWindow(window) != nil else {
            throw AppError.invalid("limits[\(index)].window must be like 15m, 3h, 7d (at most 366d) or hour, day, week, month")
        }
        guard maxRequests != nil || maxTokens != nil else {
            throw AppError.invalid("limits[\(index)] needs max_requests or max_tokens")
        }
        if let value = maxRequests, !(0...Self.maxRequestsBound).contains(value) {
            throw AppError.invalid("limits[\(index)].max_requests must be 0-\(Self.maxRequestsBound)")
        }
        if let value = maxTokens, !(0...Self.maxTokensBound).contains(value) {
            throw AppError.invalid("limits[\(index)].max_tokens must be 0-\(Self.maxTokensBound)")
        }
        if let pattern = modelPattern, pattern.isEmpty || pattern.count > 200 {
            throw AppError.invalid("limits[\(index)].model_pattern must be 1-200 characters")
        }
        if let weights = modelWeights, weights.count > 100 || weights.contains(where: { $0.value < 1 || $0.value > 1000 || $0.key.isEmpty || $0.key.count > 200 }) {
            throw AppError.invalid("limits[\(index)].model_weights must map at most 100 models (1-200 characters) to weights 1-1000")
        }
    }

    init(_ row: QuotaLimitRow) {
        window = row.windowSpec
        maxRequests = row.maxRequests
        maxTokens = row.maxTokens
        modelPattern = row.modelPattern
        modelWeights = row.modelWeights.flatMap { try? JSONDecoder().decode([String: Int].self, from: Data($0.utf8)) }
    }
}

/// `*` wildcards, case-insensitive.
enum Glob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let parts = pattern.lowercased().split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        let value = text.lowercased()
        guard parts.count > 1 else { return value == parts[0] }
        guard value.hasPrefix(parts[0]) else { return false }
        var rest = Substring(value.dropFirst(parts[0].count))
        for part in parts.dropFirst().dropLast() where !part.isEmpty {
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        let last = parts[parts.count - 1]
        return last.isEmpty || (rest.hasSuffix(last))
    }
}
