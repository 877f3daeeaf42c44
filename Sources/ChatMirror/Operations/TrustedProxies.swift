import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address block, `10.0.0.0/8`, `::1` or `fd00::/8`.
struct IPRange: Sendable, Equatable, CustomStringConvertible {
    /// The network's address bytes (4 or 16).
    let network: [UInt8]
    /// Leading bits that must match.
    let prefixLength: Int

    /// Parses an address or CIDR block; nil when it is neither.
    init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let bytes = Self.bytes(of: String(parts[0])) else { return nil }
        let bits = bytes.count * 8
        if parts.count == 2 {
            guard parts[1].count <= 3, let length = Int(parts[1]), (0...bits).contains(length) else { return nil }
            prefixLength = length
        } else {
            prefixLength = bits
        }
        network = bytes
    }

    /// Whether `address` (text) lies in this block; an IPv4-mapped IPv6 address counts as its IPv4 address.
    func contains(_ address: String) -> Bool {
        guard var bytes = Self.bytes(of: address) else { return false }
        if bytes.count == 16, network.count == 4, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            bytes = Array(bytes[12...])
        }
        guard bytes.count == network.count else { return false }
        var remaining = prefixLength
        for index in network.indices where remaining > 0 {
            let take = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
            guard bytes[index] & mask == network[index] & mask else { return false }
            remaining -= take
        }
        return true
    }

    var description: String {
        let address = network.count == 4
            ? network.map(String.init).joined(separator: ".")
            : stride(from: 0, to: 16, by: 2).map { String(UInt16(network[$0]) << 8 | UInt16(network[$0 + 1]), radix: 16) }.joined(separator: ":")
        return "\(address)/\(prefixLength)"
    }

    /// The address's bytes (4 for IPv4, 16 for IPv6), or nil when it is not an IP address.
    static func bytes(of text: String) -> [UInt8]? {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("["), trimmed.hasSuffix("]") { trimmed = String(trimmed.dropFirst().dropLast()) }
        if let zone = trimmed.firstIndex(of: "%") { trimmed = String(trimmed[..<zone]) }
        var v4 = in_addr()
        if trimmed.withCString({ inet_pton(AF_INET, $0, &v4) }) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if trimmed.withCString({ inet_pton(AF_INET6, $0, &v6) }) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}

/// Which reverse proxies may say who the client is, and the client they say it is (nginx's `real_ip` with
/// `real_ip_recursive on`).
struct TrustedProxies: Sendable, Equatable {
    /// The proxies' addresses.
    let ranges: [IPRange]

    /// The loopback addresses, the default.
    static let loopback = TrustedProxies(ranges: [IPRange("127.0.0.0/8"), IPRange("::1")].compactMap { $0 })

    /// Parses a comma-separated list of addresses and CIDR blocks; throws naming the first entry that is neither.
    init(parsing list: String) throws(ConfigProblem) {
        var ranges: [IPRange] = []
        for entry in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            guard let range = IPRange(entry) else {
                throw ConfigProblem(key: "http.trusted_proxies", problem: "'\(entry)' is not an IP address or CIDR block (e.g. 10.0.0.0/8)")
            }
            ranges.append(range)
        }
        self.ranges = ranges
    }

    init(ranges: [IPRange]) { self.ranges = ranges }

    /// Whether the address is one of the trusted proxies. A connection without an IP (a Unix socket, an in-process
    /// caller) can only come from this host, so it is trusted like loopback.
    func trusts(_ address: String?) -> Bool {
        guard let address else { return true }
        return ranges.contains { $0.contains(address) }
    }

    /// The client's address: the peer itself unless it is a trusted proxy; then, from the right of
    /// `X-Forwarded-For` (each proxy appends the address it saw), the first entry that is not a trusted proxy. The
    /// entries left of it were written by the client and are ignored. Nil only when nothing names an address.
    func clientAddress(peer: String?, forwardedFor: [String]) -> String? {
        guard trusts(peer) else { return peer }
        let entries = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        var client = peer
        for entry in entries.reversed() {
            guard IPRange.bytes(of: entry) != nil else { break }  // garbage: stop at the last address we could read
            client = entry
            if !trusts(entry) { break }
        }
        return client
    }
}
