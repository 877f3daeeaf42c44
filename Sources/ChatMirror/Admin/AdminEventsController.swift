import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// `GET /api/admin/events`: the dashboard's live feed as server-sent events. A `stats` event (live counters and
/// account tiles) on connect and every `interval`, an `alert` event per newly raised alert, a `: ping` comment
/// every 15 s. Ends when the client goes away or the server shuts down gracefully.
struct AdminEventsController {
    let live: LiveStats
    let alerts: AlertRepository
    var interval: Duration = .seconds(2)
    var heartbeat: Duration = .seconds(15)

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("events", use: events)
    }

    @Sendable func events(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let newestAlert = try await alerts.list(unacknowledgedOnly: false, limit: 1).first?.id ?? 0
        let feed = self
        return Response(status: .ok, headers: SSEEncoder.headers, body: .init { writer in
            var lastAlert = newestAlert
            var sincePing = Duration.zero
            try await writer.write(try await feed.statsEvent())
            for await _ in Self.ticks(every: feed.interval).cancelOnGracefulShutdown() {
                for alert in try await feed.newAlerts(after: lastAlert) {
                    try await writer.write(SSEEncoder.event("alert", json: alert.view.encoded()))
                    lastAlert = max(lastAlert, alert.id)
                }
                try await writer.write(try await feed.statsEvent())
                sincePing += feed.interval
                if sincePing >= feed.heartbeat {
                    sincePing = .zero
                    try await writer.write(ByteBuffer(string: ": ping\n\n"))
                }
            }
            try await writer.finish(nil)
        })
    }

    private func statsEvent() async throws -> ByteBuffer {
        var body = try await live.snapshot()
        body["alerts_unacknowledged"] = .int(try await alerts.unacknowledgedCount())
        return SSEEncoder.event("stats", json: JSONValue.object(body).encoded())
    }

    /// Alerts raised since `id`, oldest first (read from the store, so alerts raised by other instances show too).
    private func newAlerts(after id: Int) async throws -> [AlertRepository.Alert] {
        Array(try await alerts.list(unacknowledgedOnly: false, limit: 50).filter { $0.id > id }.reversed())
    }

    /// One element per `interval`; ends when the iterating task is cancelled.
    private static func ticks(every interval: Duration) -> AsyncStream<Void> {
        AsyncStream(unfolding: {
            try? await Task.sleep(for: interval)
            return Task.isCancelled ? nil : ()
        })
    }
}
