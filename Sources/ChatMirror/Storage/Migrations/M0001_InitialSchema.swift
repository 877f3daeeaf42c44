/// Users, sessions, share links, upstream accounts, conversations, messages, ledger, audit, settings.
struct InitialSchema: Migration {
    let version = 1
    let name = "initial schema"

    func statements(for kind: DatabaseKind) -> [String] {
        let id = kind == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"
        return [
            """
            CREATE TABLE users (
              id \(id), username TEXT NOT NULL, username_key TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
              password_hash TEXT NOT NULL, role TEXT NOT NULL, status TEXT NOT NULL, plan_id BIGINT,
              access_mode TEXT NOT NULL DEFAULT 'shared', allowed_models TEXT,
              created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, last_login_at BIGINT)
            """,
            """
            CREATE TABLE sessions (
              id \(id), token_hash TEXT NOT NULL UNIQUE, user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              csrf_token TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, last_seen_at BIGINT NOT NULL,
              ip TEXT, user_agent TEXT, revoked_at BIGINT)
            """,
            "CREATE INDEX sessions_user ON sessions(user_id)",
            """
            CREATE TABLE share_links (
              id \(id), token_hash TEXT NOT NULL UNIQUE, user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              created_at BIGINT NOT NULL, expires_at BIGINT, max_uses BIGINT, uses BIGINT NOT NULL DEFAULT 0,
              revoked_at BIGINT, last_used_at BIGINT)
            """,
            "CREATE INDEX share_links_user ON share_links(user_id)",
            """
            CREATE TABLE upstream_accounts (
              id \(id), name TEXT NOT NULL, provider TEXT NOT NULL, base_url TEXT NOT NULL, sealed_credential TEXT,
              credential_hint TEXT, models TEXT NOT NULL, model_aliases TEXT, weight BIGINT NOT NULL DEFAULT 1,
              max_concurrency BIGINT NOT NULL DEFAULT 0, pool TEXT NOT NULL DEFAULT 'shared', plan_id BIGINT, proxy_url TEXT,
              status TEXT NOT NULL DEFAULT 'active', status_reason TEXT, cooldown_until BIGINT,
              consecutive_failures BIGINT NOT NULL DEFAULT 0, last_check_at BIGINT, last_latency_ms BIGINT,
              created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE account_bindings (
              user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              account_id BIGINT NOT NULL REFERENCES upstream_accounts(id) ON DELETE CASCADE,
              created_at BIGINT NOT NULL, PRIMARY KEY (user_id, account_id))
            """,
            """
            CREATE TABLE conversations (
              id TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, title TEXT NOT NULL,
              model TEXT, account_id BIGINT, current_leaf_id TEXT, archived BIGINT NOT NULL DEFAULT 0,
              created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            "CREATE INDEX conversations_user_updated ON conversations(user_id, updated_at)",
            """
            CREATE TABLE messages (
              id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
              user_id BIGINT NOT NULL, parent_id TEXT, role TEXT NOT NULL, content TEXT NOT NULL, model TEXT,
              status TEXT NOT NULL, finish_reason TEXT, error_code TEXT, error_message TEXT,
              prompt_tokens BIGINT, completion_tokens BIGINT, account_id BIGINT,
              created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            "CREATE INDEX messages_conversation ON messages(conversation_id, created_at)",
            "CREATE INDEX messages_status ON messages(status)",
            """
            CREATE TABLE usage_events (
              id \(id), user_id BIGINT, account_id BIGINT, conversation_id TEXT, api_key_id BIGINT, model TEXT,
              started_at BIGINT NOT NULL, ttft_ms BIGINT, duration_ms BIGINT, prompt_tokens BIGINT NOT NULL DEFAULT 0,
              completion_tokens BIGINT NOT NULL DEFAULT 0, outcome TEXT NOT NULL, source TEXT NOT NULL DEFAULT 'web')
            """,
            "CREATE INDEX usage_events_started ON usage_events(started_at)",
            "CREATE INDEX usage_events_user ON usage_events(user_id, started_at)",
            """
            CREATE TABLE audit_log (
              id \(id), actor_id BIGINT, actor_name TEXT, action TEXT NOT NULL, target TEXT, ip TEXT, details TEXT,
              created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX audit_log_created ON audit_log(created_at)",
            "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at BIGINT NOT NULL)",
        ]
    }
}
