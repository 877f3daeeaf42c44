/// Alerts: every account status change, shown to admins.
struct AlertsSchema: Migration {
    let version = 4
    let name = "alerts"

    func statements(for kind: DatabaseKind) -> [String] {
        let id = kind == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        return [
            """
            CREATE TABLE alerts (
              id \(id), kind TEXT NOT NULL, account_id BIGINT, from_status TEXT, to_status TEXT, message TEXT NOT NULL,
              created_at BIGINT NOT NULL, acknowledged_at BIGINT, acknowledged_by BIGINT)
            """,
            "CREATE INDEX alerts_created ON alerts(created_at)",
        ]
    }
}
