import Foundation
import Hummingbird

/// OpenAI `POST /v1/embeddings`: small deterministic vectors derived from each input's text.
struct EmbeddingsRoutes {
    let state: MockUpstreamState

    func add(to router: Router<BasicRequestContext>) {
        router.post("/v1/embeddings") { request, _ in try await embeddings(request) }
    }

    private func embeddings(_ request: Request) async throws -> Response {
        let (data, received, refusal) = try await OpenAIRoutes.receive(request, state: state)
        if let refusal { return refusal }
        var configuration = received
        guard let body = MockJSON.object(data), let model = body["model"] as? String,
            let inputs = Self.inputs(body["input"])
        else {
            return OpenAIRoutes.error(
                400, "'input' (a string or an array of strings) and 'model' are required", code: "invalid_request")
        }
        _ = MockDirectives.apply(inputs.joined(separator: "\n"), to: &configuration)
        let served = configuration.models + configuration.embeddingModels
        if let refusal = try await OpenAIRoutes.refusal(model: model, served: served, configuration) { return refusal }
        let dimensions = max(1, min(body["dimensions"] as? Int ?? 8, 4096))
        let base64 = body["encoding_format"] as? String == "base64"
        let items = inputs.enumerated().map { index, text -> [String: Any] in
            let vector = Self.vector(for: text, dimensions: dimensions)
            return ["object": "embedding", "index": index, "embedding": base64 ? Self.base64(vector) : vector]
        }
        let tokens = inputs.map(MockAnswer.tokens).reduce(0, +)
        let usage = ["prompt_tokens": tokens, "total_tokens": tokens]
        let list: [String: Any] = ["object": "list", "data": items, "model": model, "usage": usage]
        return MockJSON.response(.ok, MockJSON.string(list))
    }

    /// `input` as texts: a string, an array of strings (token arrays are described by their numbers).
    private static func inputs(_ input: Any?) -> [String]? {
        if let text = input as? String { return [text] }
        if let texts = input as? [String], !texts.isEmpty { return texts }
        if let tokens = input as? [Int], !tokens.isEmpty { return [tokens.map(String.init).joined(separator: " ")] }
        if let batches = input as? [[Int]], !batches.isEmpty {
            return batches.map { $0.map(String.init).joined(separator: " ") }
        }
        return nil
    }

    /// A unit-length vector from FNV-1a hashes of the text: the same text always gets the same vector.
    static func vector(for text: String, dimensions: Int) -> [Double] {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let raw = (0..<dimensions).map { index -> Double in
            hash = (hash ^ UInt64(index + 1)) &* 0x100_0000_01b3
            return Double(Int(hash % 2001) - 1000) / 1000
        }
        let norm = raw.map { $0 * $0 }.reduce(0, +).squareRoot()
        return norm > 0 ? raw.map { ($0 / norm * 10_000).rounded() / 10_000 } : raw
    }

    /// Little-endian float32s in base64, what `encoding_format: "base64"` asks for.
    private static func base64(_ vector: [Double]) -> String {
        var bytes: [UInt8] = []
        for value in vector { withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { bytes += $0 } }
        return Data(bytes).base64EncodedString()
    }
}
