import Hummingbird

/// `/healthz`, `/readyz` and `/metrics`.
struct HealthController {
    let db: any AppDatabase
    let metrics: AppMetrics
    let registry: GenerationRegistry

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("healthz") { _, _ in try JSONResponse.make(["status": "ok"]) }
        router.get("readyz") { _, context in
            do {
                try await db.ping()
                return try JSONResponse.make(["status": "ready"])
            } catch {
                context.logger.warning("readiness check failed", metadata: ["error": "\(error)"])
                throw AppError(.serviceUnavailable, "not_ready", "the database does not answer")
            }
        }
        router.get("metrics") { _, _ in
            metrics.activeGenerations.set(Double(registry.count))
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
        }
    }
}
