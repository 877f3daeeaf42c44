/// One configuration key: its dotted name, environment variable, default and what it does.
public struct ConfigKeySpec: Sendable {
    /// Dotted key, as in a config file (`http.port` is `{"http":{"port":...}}`).
    public let key: String
    /// Environment variable that sets it.
    public let environment: String
    /// Default, as text (empty: none).
    public let defaultValue: String
    /// What it does.
    public let doc: String
}

/// Every configuration key ChatMirror reads, listed once (docs/operations.md mirrors this table).
public enum ConfigKeys {
    public static let all: [ConfigKeySpec] = [
        .init(key: "env", environment: "ENV", defaultValue: "prod", doc: "dev or prod; dev logs at debug by default"),
        .init(key: "log.level", environment: "LOG_LEVEL", defaultValue: "info",
              doc: "trace, debug, info, notice, warning, error or critical"),
        .init(key: "http.host", environment: "HTTP_HOST", defaultValue: "127.0.0.1", doc: "address to listen on"),
        .init(key: "http.port", environment: "HTTP_PORT", defaultValue: "8082", doc: "port to listen on (0 picks a free one)"),
        .init(key: "http.public_url", environment: "HTTP_PUBLIC_URL", defaultValue: "",
              doc: "external base URL used in share links, e.g. https://chat.example.com (default: from the request)"),
        .init(key: "http.trust_proxy", environment: "HTTP_TRUST_PROXY", defaultValue: "false",
              doc: "trust X-Forwarded-For / X-Forwarded-Proto from a reverse proxy"),
        .init(key: "http.trusted_proxies", environment: "HTTP_TRUSTED_PROXIES", defaultValue: "127.0.0.0/8,::1",
              doc: "comma-separated addresses / CIDR blocks of the reverse proxies whose forwarding headers count; the client is the right-most X-Forwarded-For entry not in this list"),
        .init(key: "http.max_body_bytes", environment: "HTTP_MAX_BODY_BYTES", defaultValue: "1048576",
              doc: "largest request body accepted"),
        .init(key: "http.idle_timeout_seconds", environment: "HTTP_IDLE_TIMEOUT_SECONDS", defaultValue: "60",
              doc: "a kept-alive connection with no request in flight is closed after this long without the next request's first byte; a request in flight (an answer streaming, however quiet) is never cut"),
        .init(key: "http.header_timeout_seconds", environment: "HTTP_HEADER_TIMEOUT_SECONDS", defaultValue: "10",
              doc: "a request's head (request line and headers) must arrive within this time of the connection's start or of the request's first byte, else the connection is closed"),
        .init(key: "http.max_connections_per_address", environment: "HTTP_MAX_CONNECTIONS_PER_ADDRESS", defaultValue: "64",
              doc: "open connections one client address may hold; one more is answered 503 and closed (0: no cap). Counted by the TCP peer; the addresses in http.trusted_proxies are not counted"),
        .init(key: "data.dir", environment: "DATA_DIR", defaultValue: "./data",
              doc: "data directory: SQLite database, generated master key"),
        .init(key: "web.root", environment: "WEB_ROOT", defaultValue: "",
              doc: "serve the web app from this folder, re-read on every request (development); default: the bundled files"),
        .init(key: "database.url", environment: "DATABASE_URL", defaultValue: "",
              doc: "postgres://user:pass@host:port/db to use PostgreSQL; default SQLite in the data directory"),
        .init(key: "database.max_connections", environment: "DATABASE_MAX_CONNECTIONS", defaultValue: "20",
              doc: "most PostgreSQL connections one instance opens"),
        .init(key: "admin.username", environment: "CHAT_MIRROR_ADMIN_USERNAME", defaultValue: "admin",
              doc: "username of the admin created on first start"),
        .init(key: "admin.password", environment: "CHAT_MIRROR_ADMIN_PASSWORD", defaultValue: "",
              doc: "password of the admin created on first start (default: generated and printed once)"),
        .init(key: "security.master_key", environment: "CHAT_MIRROR_MASTER_KEY", defaultValue: "",
              doc: "base64 of 32 bytes sealing upstream keys (default: generated into DATA_DIR/master.key, mode 0600)"),
        .init(key: "security.bcrypt_cost", environment: "CHAT_MIRROR_BCRYPT_COST", defaultValue: "10",
              doc: "bcrypt cost for new password hashes and for the hash an unknown username is checked against (4-16)"),
        .init(key: "session.lifetime_hours", environment: "SESSION_LIFETIME_HOURS", defaultValue: "720",
              doc: "how long a sign-in lasts"),
        .init(key: "login.max_failures_per_user", environment: "LOGIN_MAX_FAILURES_PER_USER", defaultValue: "5",
              doc: "failed logins per username in the window before throttling"),
        .init(key: "login.max_failures_per_ip", environment: "LOGIN_MAX_FAILURES_PER_IP", defaultValue: "20",
              doc: "failed logins per client IP in the window before throttling"),
        .init(key: "login.window_minutes", environment: "LOGIN_WINDOW_MINUTES", defaultValue: "15",
              doc: "window of the login throttle"),
        .init(key: "chat.max_content_chars", environment: "CHAT_MAX_CONTENT_CHARS", defaultValue: "100000",
              doc: "longest user message accepted"),
        .init(key: "chat.max_generation_seconds", environment: "CHAT_MAX_GENERATION_SECONDS", defaultValue: "600",
              doc: "longest an answer may generate before it is cut off and saved as incomplete"),
        .init(key: "chat.flush_interval_seconds", environment: "CHAT_FLUSH_INTERVAL_SECONDS", defaultValue: "2",
              doc: "how often the partial answer is written to the store while streaming"),
        .init(key: "chat.heartbeat_seconds", environment: "CHAT_HEARTBEAT_SECONDS", defaultValue: "15",
              doc: "interval of the SSE keep-alive comment"),
        .init(key: "ledger.retention_days", environment: "LEDGER_RETENTION_DAYS", defaultValue: "0",
              doc: "ledger rows (usage_events) older than this many days are deleted; 0 keeps them forever"),
        .init(key: "chat.shutdown_grace_seconds", environment: "CHAT_SHUTDOWN_GRACE_SECONDS", defaultValue: "10",
              doc: "on shutdown, how long answers in progress may finish before they are saved as incomplete"),
        .init(key: "upstream.connect_timeout_seconds", environment: "UPSTREAM_CONNECT_TIMEOUT_SECONDS", defaultValue: "10",
              doc: "TCP/TLS connect timeout to an upstream"),
        .init(key: "upstream.first_token_timeout_seconds", environment: "UPSTREAM_FIRST_TOKEN_TIMEOUT_SECONDS",
              defaultValue: "60", doc: "how long to wait for an upstream's response headers and first token"),
        .init(key: "upstream.idle_timeout_seconds", environment: "UPSTREAM_IDLE_TIMEOUT_SECONDS", defaultValue: "120",
              doc: "longest silence between two chunks of a streaming answer"),
        .init(key: "upstream.health_interval_seconds", environment: "UPSTREAM_HEALTH_INTERVAL_SECONDS", defaultValue: "30",
              doc: "how often cooling and failing accounts are probed to bring them back"),
        .init(key: "upstream.proxy_url", environment: "UPSTREAM_PROXY_URL", defaultValue: "",
              doc: "outbound proxy for every upstream account without its own: http://[user:pass@]host:port or socks5://host:port"),
        .init(key: "upstream.send_user_id", environment: "UPSTREAM_SEND_USER_ID", defaultValue: "false",
              doc: "send upstreams an opaque per-user id (OpenAI `user`, Anthropic `metadata.user_id`) for their abuse monitoring; off: no user identifier at all"),
        .init(key: "upstream.max_connections_per_host", environment: "UPSTREAM_MAX_CONNECTIONS_PER_HOST", defaultValue: "16384",
              doc: "open connections to one upstream host (answers streaming from it at once); each account's max_concurrency also applies"),
        .init(key: "upstream.max_attempts", environment: "UPSTREAM_MAX_ATTEMPTS", defaultValue: "3",
              doc: "attempts that may fail with a passing error (5xx, connect, timeout) before a turn gives up; accounts that refuse their key, rate-limit or lack the model are skipped without using it up"),
    ]

    /// The spec of one key.
    public static func spec(_ key: String) -> ConfigKeySpec? { all.first { $0.key == key } }
}
