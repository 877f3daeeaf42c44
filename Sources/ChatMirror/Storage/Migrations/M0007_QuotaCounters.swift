/// Quota counters per second and per hour, so admission reads a bounded number of rows however much was used
/// (at most an hour of seconds plus one row per hour of the window), instead of every use in the window.
struct QuotaCountersSchema: Migration {
    let version = 7
    let name = "quota counters per second and per hour"

    func statements(for kind: DatabaseKind) -> [String] {
        ["quota_seconds", "quota_hours"].flatMap { table in
            [
                """
                CREATE TABLE \(table) (
                  subject TEXT NOT NULL, limit_key TEXT NOT NULL, at BIGINT NOT NULL,
                  requests BIGINT NOT NULL, tokens BIGINT NOT NULL, PRIMARY KEY (subject, limit_key, at))
                """,
            ]
        } + [
            """
            INSERT INTO quota_seconds (subject, limit_key, at, requests, tokens)
            SELECT subject, limit_key, at / 1000, SUM(requests), SUM(tokens) FROM quota_events GROUP BY subject, limit_key, at / 1000
            """,
            """
            INSERT INTO quota_hours (subject, limit_key, at, requests, tokens)
            SELECT subject, limit_key, at / 3600000 * 3600, SUM(requests), SUM(tokens) FROM quota_events
            GROUP BY subject, limit_key, at / 3600000 * 3600
            """,
        ]
    }
}
