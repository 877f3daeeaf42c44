import Foundation
import SQLKit

/// Sealed secrets of accounts: the master-key check at start, and sealing proxy credentials stored in clear.
extension AccountRepository {
    /// One sealed secret from the store (an upstream key or a proxy URL), to check the master key against.
    func anySealedSecret() async throws -> String? {
        struct Row: Decodable { let secret: String }
        return try await db.withSQL { sql in
            try await sql.raw("""
                SELECT COALESCE(sealed_credential, sealed_proxy_url) AS secret FROM upstream_accounts \
                WHERE sealed_credential IS NOT NULL OR sealed_proxy_url IS NOT NULL LIMIT 1
                """).first(decoding: Row.self)?.secret
        }
    }

    /// Seals the credentials of proxy URLs stored in plain text (before M0009): the sealed URL goes to
    /// `sealed_proxy_url`, the masked one stays in `proxy_url`. Each row only if it is still as read.
    func sealProxyCredentials(with sealer: KeySealer) async throws {
        defer { invalidate() }
        struct Row: Decodable {
            let id: Int
            let proxyUrl: String
        }
        let rows = try await db.withSQL { sql in
            try await sql.raw("SELECT id, proxy_url FROM upstream_accounts WHERE proxy_url IS NOT NULL AND sealed_proxy_url IS NULL")
                .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
        for row in rows {
            guard let sealed = try Self.sealedProxy(row.proxyUrl, sealer: sealer) else { continue }
            try await db.withSQL { sql in
                try await sql.raw("""
                    UPDATE upstream_accounts SET sealed_proxy_url = \(bind: sealed), proxy_url = \(bind: UpstreamProxy.masked(row.proxyUrl)) \
                    WHERE id = \(bind: row.id) AND proxy_url = \(bind: row.proxyUrl) AND sealed_proxy_url IS NULL
                    """).run()
            }
        }
    }

    /// A proxy URL with a password, sealed; nil when it has none (nothing to hide).
    static func sealedProxy(_ url: String, sealer: KeySealer) throws -> String? {
        guard URLComponents(string: url)?.password != nil else { return nil }
        return try sealer.seal(url)
    }
}
