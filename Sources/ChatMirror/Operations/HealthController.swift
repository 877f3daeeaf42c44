import Hummingbird

/// `/healthz`, `/readyz` and `/metrics`.
struct HealthController {
    let probe: StoreProbe
    let metrics: AppMetrics
    let registry: GenerationRegistry

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("healthz") { _, _ in try JSONResponse.make(["status": "ok"]) }
        // Answers from the background probe, never waits for the store: a stopped or frozen database is a 503
        // within the probe's deadline, not a request that hangs until the connection pool gives up.
        router.get("readyz") { _, _ in
            guard probe.status == .answering else { throw AppError.storeUnavailable }
            return try JSONResponse.make(["status": "ready"])
        }
        router.get("metrics") { _, _ in
            metrics.activeGenerations.set(Double(registry.count))
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
        }
    }
}
