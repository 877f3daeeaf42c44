/// Outbound proxy credentials sealed like upstream keys: `sealed_proxy_url` holds the whole URL sealed under the
/// master key, and `proxy_url` only what the admin is shown (the password as `***`). Existing rows are sealed
/// at the next start, once the master key is known to be the right one (`AccountRepository.sealProxyCredentials`).
/// Numbered 9: 8 is taken by the relay fields.
struct SealedProxyURLSchema: Migration {
    let version = 9
    let name = "sealed outbound proxy credentials"

    func statements(for kind: DatabaseKind) -> [String] {
        ["ALTER TABLE upstream_accounts ADD COLUMN sealed_proxy_url TEXT"]
    }
}
