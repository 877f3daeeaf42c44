import Foundation
import Hummingbird

/// `POST /v1/embeddings`: passed through to OpenAI-compatible accounts that serve the model, with the same keys,
/// plans, pool, failover and ledger as chat (counted by the upstream's prompt tokens).
struct EmbeddingsController {
    let pool: AccountPool
    let engine: UpstreamCallEngine
    let openAI: OpenAIAdapter
    let config: AppConfig

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("embeddings", use: createEmbeddings)
    }

    /// The forwarded request fields (`user` is never forwarded; `model` is the account's id for the model).
    static let forwarded: Set<String> = ["input", "encoding_format", "dimensions"]

    @Sendable func createEmbeddings(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let body = try await request.decodeJSON(JSONValue.self, limit: max(config.maxBodyBytes, 8 << 20))
        let (model, fields, characters) = try Self.validate(body)
        let admission = try await OpenAIController.admit(pool: pool, engine: engine, user: user, model: model, context: context,
                                                         promptEstimate: (characters + 3) / 4)
        let timeouts = UpstreamTimeouts(firstByteSeconds: config.upstreamFirstTokenTimeoutSeconds)
        let answer: UnaryAnswer
        do {
            answer = try await engine.unary(admission, accept: { $0.provider == UpstreamProvider.openai.rawValue }) { account, apiKey in
                var upstream = fields
                upstream["model"] = .string(account.upstreamModel(for: model))
                return try await openAI.embeddings(account: account, apiKey: apiKey, body: upstream, timeouts: timeouts)
            }
        } catch let refused as CallRefused {
            throw refused.appError
        }
        var out = answer.body
        out["model"] = .string(model)
        return AppError.jsonResponse(status: .ok, headers: [:], body: .object(out))
    }

    /// The model, the fields to forward, and the input's length; 400 naming the field otherwise.
    static func validate(_ body: JSONValue) throws -> (String, [String: JSONValue], Int) {
        guard let fields = body.objectValue else { throw AppError.invalid("the body must be a JSON object").param(nil) }
        guard let model = fields["model"]?.stringValue, (1...200).contains(model.count) else {
            throw AppError.invalid("field 'model' is required and must be a model name").param("model")
        }
        let characters: Int
        switch fields["input"] {
        case .string(let text)?:
            characters = text.count
        case .array(let items)? where !items.isEmpty && items.count <= 2048:
            if items.allSatisfy({ $0.stringValue != nil }) {
                characters = items.reduce(0) { $0 + ($1.stringValue?.count ?? 0) }
            } else if items.allSatisfy({ $0.intValue != nil }) {
                characters = items.count * 4
            } else if items.allSatisfy({ $0.arrayValue?.allSatisfy { $0.intValue != nil } == true }) {
                characters = items.reduce(0) { $0 + ($1.arrayValue?.count ?? 0) * 4 }
            } else {
                throw AppError.invalid("field 'input' must be a string, an array of strings, or token arrays").param("input")
            }
        default:
            throw AppError.invalid("field 'input' must be a string or a non-empty array of at most 2048 inputs").param("input")
        }
        if let format = fields["encoding_format"], format != .null, !["float", "base64"].contains(format.stringValue ?? "") {
            throw AppError.invalid("field 'encoding_format' must be float or base64").param("encoding_format")
        }
        if let dimensions = fields["dimensions"], dimensions != .null, !(1...100_000).contains(dimensions.intValue ?? 0) {
            throw AppError.invalid("field 'dimensions' must be a positive integer").param("dimensions")
        }
        return (model, fields.filter { forwarded.contains($0.key) && $0.value != .null }, characters)
    }
}
