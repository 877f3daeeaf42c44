import Foundation
import Hummingbird

/// Serves the OpenAPI 3.1 description of the HTTP API (`GET /api/openapi.json`, no sign-in needed).
struct OpenAPIDocument {
    /// The bundled document; OpenAPIDocumentTests checks it against the router.
    static let data: Data? = Bundle.module.url(forResource: "openapi", withExtension: "json").flatMap { try? Data(contentsOf: $0) }

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("openapi.json", use: document)
    }

    @Sendable func document(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let data = Self.data else { throw AppError.notFound("OpenAPI document") }
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
