/// Which instances are alive (a heartbeat a second) and which upstream calls each has open, so that a call whose
/// instance died (kill -9, a lost machine) is settled, refunded and written to the ledger by a survivor, once.
struct CallLivenessSchema: Migration {
    let version = 10
    let name = "instance heartbeats and open calls"

    func statements(for kind: DatabaseKind) -> [String] {
        [
            "CREATE TABLE instances (id TEXT PRIMARY KEY, started_at BIGINT NOT NULL, heartbeat_at BIGINT NOT NULL)",
            """
            CREATE TABLE open_calls (
              id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, reservation TEXT NOT NULL, user_id BIGINT NOT NULL,
              account_id BIGINT, conversation_id TEXT, message_id TEXT, api_key_id BIGINT, model TEXT NOT NULL,
              source TEXT NOT NULL, started_at BIGINT NOT NULL, prompt_estimate BIGINT NOT NULL)
            """,
            "CREATE INDEX open_calls_instance ON open_calls(instance_id)",
            "ALTER TABLE messages ADD COLUMN instance_id TEXT",
        ]
    }
}
