import Foundation
import HTTPTypes
import Testing
@testable import ChatMirror

/// Issue #18: the client IP behind a proxy is the right-most X-Forwarded-For entry no trusted proxy wrote.
@Suite struct TrustedProxiesTests {
    @Test func addressBlocksParseAndMatch() throws {
        let block = try #require(IPRange("10.0.0.0/8"))
        #expect(block.contains("10.200.3.4"))
        #expect(!block.contains("11.0.0.1"))
        #expect(block.contains("::ffff:10.1.2.3"), "IPv4-mapped IPv6")
        #expect(try #require(IPRange("fd00::/8")).contains("fd12::1"))
        #expect(try #require(IPRange("::1")).contains("::1"))
        #expect(!(try #require(IPRange("::1")).contains("::2")))
        for bad in ["", "10.0.0.0/33", "::/129", "10.0.0/8", "example.com", "10.0.0.1/x", "1.2.3.4/-1"] {
            #expect(IPRange(bad) == nil, "\(bad)")
        }
    }

    @Test func theClientIsTheRightMostEntryNotATrustedProxy() throws {
        let proxies = try TrustedProxies(parsing: "127.0.0.0/8, ::1, 10.0.0.0/8")
        // What the client wrote (left) is ignored; the proxies' entries (right) are skipped.
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["6.6.6.6, 203.0.113.7"]) == "203.0.113.7")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["6.6.6.6, 203.0.113.7, 10.1.1.1"]) == "203.0.113.7")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["6.6.6.6", "203.0.113.7"]) == "203.0.113.7", "two header lines")
        // Only proxies: the left-most of them; nothing forwarded: the peer.
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["10.2.2.2, 10.1.1.1"]) == "10.2.2.2")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: []) == "127.0.0.1")
        // A peer that is not a proxy is the client, whatever it sends.
        #expect(proxies.clientAddress(peer: "198.51.100.1", forwardedFor: ["1.1.1.1"]) == "198.51.100.1")
        // Garbage stops the walk at the last address read.
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["1.1.1.1, unknown, 10.1.1.1"]) == "10.1.1.1")
    }

    @Test func theListIsAConfigKeyWithALoopbackDefault() async throws {
        let defaults = try await AppConfig.load(flags: [:], environment: [:])
        #expect(defaults.trustedProxies == TrustedProxies.loopback)
        let set = try await AppConfig.load(flags: [:], environment: ["HTTP_TRUSTED_PROXIES": "10.0.0.5, fd00::/8"])
        #expect(set.trustedProxies.ranges.map(\.description) == ["10.0.0.5/32", "fd00:0:0:0:0:0:0:0/8"])
        let error = await #expect(throws: ConfigProblem.self) {
            _ = try await AppConfig.load(flags: [:], environment: ["HTTP_TRUSTED_PROXIES": "10.0.0.0/99"])
        }
        #expect(error?.description.contains("HTTP_TRUSTED_PROXIES") == true)
        #expect(ConfigKeys.spec("http.trusted_proxies")?.defaultValue == "127.0.0.0/8,::1")
    }

    /// Before: the left-most entry was taken, so a client that varied it was never throttled.
    @Test func aSpoofedLeftMostEntryDoesNotDodgeTheLoginThrottle() async throws {
        try await Harness.withApp(configure: { $0.loginMaxFailuresPerIP = 2; $0.trustProxy = true }) { app in
            for (index, name) in ["a", "b", "c"].enumerated() {
                let response = try await app.request(.post, "/api/auth/login", json: #"{"username":"\#(name)","password":"wrong-pass"}"#,
                                                     headers: [.xForwardedFor: "6.6.6.\(index), 203.0.113.7"])
                #expect(response.status == (index < 2 ? .unauthorized : .tooManyRequests), "attempt \(index)")
            }
        }
    }
}
