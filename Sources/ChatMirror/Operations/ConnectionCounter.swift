import Synchronization

/// Open connections per client address, so that one address cannot hold every connection the server can take.
/// The address is the TCP peer's: behind a reverse proxy that is the proxy, which speaks for many clients, so the
/// trusted proxies are not counted (the proxy is the place to limit its clients).
final class ConnectionCounter: Sendable {
    /// What `admit` decided.
    enum Admission: Equatable {
        /// Not counted: a trusted proxy, or no cap.
        case exempt
        /// Counted; `release` it when the connection closes.
        case counted
        /// Over the cap; `firstRefusal` when the address was under it until now (worth one log line).
        case refused(firstRefusal: Bool)
    }

    /// Most connections per address; 0 is no cap.
    let limit: Int
    private let exempt: TrustedProxies
    private let open = Mutex<[String: (count: Int, refusing: Bool)]>([:])

    init(limit: Int, exempt: TrustedProxies) {
        self.limit = limit
        self.exempt = exempt
    }

    /// Counts a new connection from `address`, or refuses it when the address already holds `limit`.
    func admit(_ address: String?) -> Admission {
        guard limit > 0, let address, !exempt.trusts(address) else { return .exempt }
        return open.withLock { open in
            guard var entry = open[address] else {
                open[address] = (1, false)
                return .counted
            }
            defer { open[address] = entry }
            if entry.count >= limit {
                let first = !entry.refusing
                entry.refusing = true
                return .refused(firstRefusal: first)
            }
            entry.count += 1
            return .counted
        }
    }

    /// A counted connection closed.
    func release(_ address: String?) {
        guard let address else { return }
        open.withLock { open in
            guard let entry = open[address] else { return }
            open[address] = entry.count > 1 ? (entry.count - 1, false) : nil
        }
    }
}
