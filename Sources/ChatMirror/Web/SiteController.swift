import Hummingbird

/// What every page may show before anyone signs in: the site's name (`GET /api/site`).
struct SiteController {
    let settings: SettingsRepository

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("site", use: getSite)
    }

    @Sendable func getSite(_ request: Request, context: AppRequestContext) async throws -> Response {
        struct Body: Encodable { let siteName: String }
        return try JSONResponse.make(Body(siteName: try await settings.load().siteName))
    }
}
