import Hummingbird

/// Turns a database outage into 503 `not_ready` with `Retry-After` instead of a 500: a request to the API is
/// refused at once while the probe's last ping failed (rather than waiting on a connection pool that keeps
/// retrying), and a store error that means "unavailable" is mapped wherever it surfaces. A ping that is merely slow
/// does not refuse requests (a busy store is not a store that is down). Once the store answers again, so do requests.
struct StoreOutageMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let probe: StoreProbe

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if Self.needsStore(request.uri.path), probe.lastPingFailed { throw AppError.storeUnavailable }
        do {
            return try await next(request, context)
        } catch let error where StoreUnavailability.matches(error) {
            context.logger.warning("the database is unavailable", metadata: ["error": "\(String(reflecting: error))"])
            throw AppError.storeUnavailable
        }
    }

    /// The API and share links read the store on every request; health, metrics and the web app's files do not.
    static func needsStore(_ path: String) -> Bool {
        path.hasPrefix("/api/") || path.hasPrefix("/v1/") || path.hasPrefix("/s/")
    }
}
