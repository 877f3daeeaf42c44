import AsyncHTTPClient
import Foundation
import Synchronization

/// An outbound proxy for upstream calls: `http://[user:pass@]host:port` (CONNECT tunnel) or `socks5://host:port`.
struct UpstreamProxy: Hashable, Sendable {
    enum Kind: String, Sendable { case http, socks5 }
    let kind: Kind
    let host: String
    let port: Int
    let username: String?
    let password: String?

    /// Parses a proxy URL; the error names what is wrong, for the admin API and the config check.
    init(parsing text: String) throws(ProxyURLError) {
        guard let url = URLComponents(string: text.trimmingCharacters(in: .whitespaces)),
              let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty
        else { throw ProxyURLError("'\(text)' is not a proxy URL such as http://proxy.example.com:3128") }
        switch scheme {
        case "http": kind = .http
        case "socks5", "socks5h": kind = .socks5
        default: throw ProxyURLError("scheme '\(scheme)' is not supported: use http:// or socks5://")
        }
        guard url.path.isEmpty || url.path == "/", url.query == nil else {
            throw ProxyURLError("a proxy URL has no path or query: use scheme://host:port")
        }
        self.host = host
        port = url.port ?? (kind == .http ? 80 : 1080)
        guard (1...65535).contains(port) else { throw ProxyURLError("port \(port) is out of range") }
        username = url.user?.removingPercentEncoding
        password = url.password?.removingPercentEncoding
        if kind == .socks5, username != nil { throw ProxyURLError("SOCKS proxies with a username are not supported") }
    }

    /// `text` with the password replaced by `***`, for showing a stored proxy URL (the password never leaves).
    static func masked(_ text: String?) -> String? {
        guard let text, var url = URLComponents(string: text), url.password != nil else { return text }
        url.password = "***"
        return url.string ?? text
    }

    /// As AsyncHTTPClient takes it.
    var clientProxy: HTTPClient.Configuration.Proxy {
        switch kind {
        case .socks5: return .socksServer(host: host, port: port)
        case .http:
            let authorization = username.map { HTTPClient.Authorization.basic(username: $0, password: password ?? "") }
            return .server(host: host, port: port, authorization: authorization)
        }
    }
}

/// Why a proxy URL was refused.
struct ProxyURLError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The HTTP clients that reach upstreams: one for accounts without a proxy of their own (direct, or through the
/// site-wide `upstream.proxy_url`), and one per distinct account proxy, made on first use and kept.
final class UpstreamClients: Sendable {
    private let configuration: HTTPClient.Configuration
    private let standard: HTTPClient
    private let byProxy = Mutex<[UpstreamProxy: HTTPClient]>([:])
    private let sealer: KeySealer?

    /// `siteProxy` applies to every account that names no proxy; `sealer` opens accounts' sealed proxy URLs.
    init(configuration: HTTPClient.Configuration, siteProxy: UpstreamProxy?, sealer: KeySealer? = nil) {
        self.configuration = configuration
        self.sealer = sealer
        var standardConfiguration = configuration
        standardConfiguration.proxy = siteProxy?.clientProxy
        standard = HTTPClient(eventLoopGroupProvider: .singleton, configuration: standardConfiguration)
    }

    /// The client for an account's calls. A proxy URL that no longer parses (stored before validation existed)
    /// falls back to the standard client rather than failing every call.
    func client(for account: UpstreamAccount) -> HTTPClient {
        let text = account.sealedProxyUrl.flatMap { try? sealer?.open($0) } ?? account.proxyUrl
        guard let text, !text.isEmpty, let proxy = try? UpstreamProxy(parsing: text) else { return standard }
        return byProxy.withLock { clients in
            if let client = clients[proxy] { return client }
            var proxied = configuration
            proxied.proxy = proxy.clientProxy
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: proxied)
            clients[proxy] = client
            return client
        }
    }

    /// Shuts every client down (after the server has stopped).
    func shutdown() async throws {
        let proxied = byProxy.withLock { Array($0.values) }
        for client in proxied { try await client.shutdown() }
        try await standard.shutdown()
    }
}

/// Where the adapter for each provider comes from.
struct UpstreamAdapters: Sendable {
    let openAI: any UpstreamAdapter
    let anthropic: any UpstreamAdapter

    func adapter(for account: UpstreamAccount) -> any UpstreamAdapter {
        account.provider == UpstreamProvider.anthropic.rawValue ? anthropic : openAI
    }
}
