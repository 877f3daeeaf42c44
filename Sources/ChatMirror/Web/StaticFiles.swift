import Crypto
import Foundation
import Hummingbird

/// Serves the web app and admin console from the bundled `public/` folder (or `web.root` on disk in development).
struct StaticFiles: Sendable {
    let root: String
    let reloadEachRequest: Bool
    private let cache: [String: CachedFile]

    struct CachedFile: Sendable {
        let bytes: ByteBuffer
        let contentType: String
        let etag: String
    }

    init(root: String, reloadEachRequest: Bool) {
        self.root = root
        self.reloadEachRequest = reloadEachRequest
        var cache: [String: CachedFile] = [:]
        if !reloadEachRequest, let enumerator = FileManager.default.enumerator(atPath: root) {
            for case let relative as String in enumerator {
                if let file = Self.load(root: root, relative: relative) { cache["/" + relative] = file }
            }
        }
        self.cache = cache
    }

    /// The bundled `public/` folder.
    static func bundledRoot() -> String? {
        Bundle.module.resourceURL.map { $0.appendingPathComponent("public").path }
    }

    static func load(root: String, relative: String) -> CachedFile? {
        let path = (root as NSString).appendingPathComponent(relative)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let data = FileManager.default.contents(atPath: path) else { return nil }
        let digest = SHA256.hash(data: data).prefix(8).map { String(format: "%02x", $0) }.joined()
        return CachedFile(bytes: ByteBuffer(bytes: data), contentType: contentType(relative), etag: "\"\(digest)\"")
    }

    static func contentType(_ path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "json", "map": "application/json"
        case "woff2": "font/woff2"
        case "txt": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }

    func file(_ path: String) -> CachedFile? {
        guard !path.contains(".."), !path.contains("//") else { return nil }
        if reloadEachRequest { return Self.load(root: root, relative: String(path.dropFirst())) }
        return cache[path]
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        for path in ["/", "/login", "/c/:id", "/settings"] { router.get(RouterPath(path), use: page("/app/index.html")) }
        for path in ["/admin", "/admin/**"] { router.get(RouterPath(path), use: page("/admin/index.html")) }
        router.get("/app/**", use: asset)
        router.get("/common/**", use: asset)
        router.get("/vendor/**", use: asset)
        router.get("/favicon.ico", use: page("/app/favicon.svg"))
    }

    private func page(_ path: String) -> @Sendable (Request, AppRequestContext) async throws -> Response {
        { request, _ in try respond(path, request: request, cache: "no-cache") }
    }

    @Sendable func asset(_ request: Request, context: AppRequestContext) async throws -> Response {
        try respond(request.uri.path, request: request, cache: "no-cache")
    }

    private func respond(_ path: String, request: Request, cache: String) throws -> Response {
        guard let file = file(path) else { throw AppError.notFound("file") }
        var headers = HTTPFields()
        headers[.eTag] = file.etag
        headers[.cacheControl] = cache
        if request.headers[.ifNoneMatch] == file.etag { return Response(status: .notModified, headers: headers) }
        headers[.contentType] = file.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: file.bytes))
    }
}
