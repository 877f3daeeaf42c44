/// Personal API keys for `/v1`.
struct APIKeysSchema: Migration {
    let version = 2
    let name = "api keys"

    func statements(for kind: DatabaseKind) -> [String] {
        let id = kind == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        return [
            """
            CREATE TABLE api_keys (
              id \(id), key_hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL,
              user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, name TEXT NOT NULL,
              created_at BIGINT NOT NULL, last_used_at BIGINT, revoked_at BIGINT)
            """,
            "CREATE INDEX api_keys_user ON api_keys(user_id)",
        ]
    }
}
