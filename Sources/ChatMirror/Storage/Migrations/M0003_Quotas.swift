/// Plans, limits at every level, the quota event log, site settings.
struct QuotaSchema: Migration {
    let version = 3
    let name = "plans and quotas"

    func statements(for kind: DatabaseKind) -> [String] {
        let id = kind == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        return [
            """
            CREATE TABLE plans (
              id \(id), name TEXT NOT NULL UNIQUE, description TEXT NOT NULL DEFAULT '',
              created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE quota_limits (
              id \(id), scope TEXT NOT NULL, scope_id BIGINT NOT NULL, window_spec TEXT NOT NULL,
              max_requests BIGINT, max_tokens BIGINT, model_pattern TEXT, model_weights TEXT, position BIGINT NOT NULL DEFAULT 0)
            """,
            "CREATE INDEX quota_limits_scope ON quota_limits(scope, scope_id)",
            """
            CREATE TABLE quota_events (
              id \(id), limit_key TEXT NOT NULL, subject TEXT NOT NULL, at BIGINT NOT NULL,
              requests BIGINT NOT NULL, tokens BIGINT NOT NULL DEFAULT 0, reservation TEXT NOT NULL)
            """,
            "CREATE INDEX quota_events_window ON quota_events(subject, limit_key, at)",
            "CREATE INDEX quota_events_reservation ON quota_events(reservation)",
        ]
    }
}
