import Foundation
import Hummingbird

/// Alerts for admins: list, count, acknowledge.
struct AdminAlertsController {
    let alerts: AlertRepository
    let audit: AuditLog

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("alerts", use: list)
        group.post("alerts/ack", use: acknowledgeAll)
        group.post("alerts/:id/ack", use: acknowledge)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let open = request.uri.queryParameters.get("open") == "true"
        let rows = try await alerts.list(unacknowledgedOnly: open, limit: 200)
        return AppError.jsonResponse(status: .ok, headers: [:], body: .object([
            "alerts": .array(rows.map(\.view)), "unacknowledged": .int(try await alerts.unacknowledgedCount()),
        ]))
    }

    @Sendable func acknowledge(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        guard let id = context.parameters.get("id", as: Int.self), try await alerts.acknowledge(id: id, by: admin.id) else {
            throw AppError.notFound("alert")
        }
        try await audit.record(actor: admin, action: "alert.ack", target: "alert:\(id)", ip: context.clientIP)
        return JSONResponse.noContent()
    }

    @Sendable func acknowledgeAll(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        _ = try await alerts.acknowledge(id: nil, by: admin.id)
        try await audit.record(actor: admin, action: "alert.ack_all", target: nil, ip: context.clientIP)
        return JSONResponse.noContent()
    }
}

extension AlertRepository.Alert {
    /// The alert as the admin API and the `alert` event show it.
    var view: JSONValue {
        .object([
            "id": .int(id), "kind": .string(kind), "account_id": accountId.map(JSONValue.int) ?? .null,
            "from_status": fromStatus.map(JSONValue.string) ?? .null, "to_status": toStatus.map(JSONValue.string) ?? .null,
            "message": .string(message), "created_at": .string(ISOTime.string(millis: createdAt) ?? ""),
            "acknowledged_at": ISOTime.string(millis: acknowledgedAt).map(JSONValue.string) ?? .null,
        ])
    }
}
