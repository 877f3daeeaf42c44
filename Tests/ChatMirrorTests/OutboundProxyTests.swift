import Foundation
import HTTPTypes
import MockUpstream
import Testing
@testable import ChatMirror

/// Upstream calls through an outbound proxy: per account, or site-wide for accounts without their own.
@Suite struct OutboundProxyTests {
    private func chat(_ app: AppTester, _ user: TestSession) async throws -> [SSEEvent] {
        let conversation = try await app.createConversation(user)
        let response = try await app.request(.post, "/api/conversations/\(conversation)/messages", json: #"{"content":"hi"}"#, session: user)
        return SSE.parse(response.text).events
    }

    @Test func anAccountsProxyCarriesItsCallsAndTheSiteProxyCarriesTheRest() async throws {
        try await MockConnectProxy.withRunning { accountProxy in
            try await MockConnectProxy.withRunning { siteProxy in
                try await RunningMockUpstream.withRunning { upstream in
                    try await Harness.withApp(.live, configure: { $0.upstreamProxyURL = "http://127.0.0.1:\(siteProxy.port)" }) { app in
                        // setup: an account with its own proxy (with credentials), in the dedicated pool of one user
                        let admin = try await app.loginAdmin()
                        let own = try await app.addAccount(
                            baseURL: upstream.baseURL, admin: admin,
                            extra: #","pool":"dedicated","proxy_url":"http://u:p@127.0.0.1:\#(accountProxy.port)""#)
                        let (ownerId, owner) = try await app.makeUser("owner", admin: admin, accessMode: "dedicated")
                        _ = try await app.request(.put, "/api/admin/users/\(ownerId)/bindings", json: #"{"account_ids":[\#(own)]}"#, session: admin)
                        // and a shared account without one: it uses the site-wide proxy
                        try await app.addAccount(baseURL: upstream.baseURL, admin: admin)
                        let (_, other) = try await app.makeUser("other", admin: admin)

                        // act
                        let viaAccount = try await chat(app, owner)
                        let viaSite = try await chat(app, other)

                        // check: each answer came through its own proxy
                        #expect(viaAccount.last?.name == "done")
                        #expect(viaSite.last?.name == "done")
                        #expect(accountProxy.targets == ["127.0.0.1:\(upstream.port)"])
                        #expect(siteProxy.targets == ["127.0.0.1:\(upstream.port)"])
                        #expect(upstream.state.snapshot.requests == 2)
                        let shown = try await app.request(.get, "/api/admin/accounts/\(own)", session: admin).json()
                        #expect(shown["proxy_url"] as? String == "http://u:***@127.0.0.1:\(accountProxy.port)", "the password is never shown")
                        let unchanged = try await app.request(.patch, "/api/admin/accounts/\(own)",
                                                              json: #"{"proxy_url":"http://u:***@127.0.0.1:\#(accountProxy.port)"}"#, session: admin)
                        #expect(unchanged.status == .ok)
                        #expect(try await chat(app, owner).last?.name == "done", "sending the shown URL back keeps the password")
                        #expect(Set(accountProxy.targets) == ["127.0.0.1:\(upstream.port)"])
                        #expect(upstream.state.snapshot.requests == 3)
                    }
                }
            }
        }
    }

    @Test func aDeadProxyFailsOverLikeADeadUpstream() async throws {
        try await RunningMockUpstream.withRunning { upstream in
            // A refused connection fails at once (no retries until the connect timeout): failover is immediate.
            try await Harness.withApp(.live, configure: { $0.upstreamConnectTimeoutSeconds = 60 }) { app in
                let admin = try await app.loginAdmin()
                // setup: a port nothing listens on (bound, then released)
                let closed = try await MockConnectProxy.withRunning { $0.port }
                try await app.addAccount(baseURL: upstream.baseURL, admin: admin, extra: #","proxy_url":"http://127.0.0.1:\#(closed)""#)
                try await app.addAccount(baseURL: upstream.baseURL, admin: admin)
                let (_, user) = try await app.makeUser("ann", admin: admin)

                // act + check: every turn is answered, through the account that can reach its upstream
                for _ in 0..<3 {
                    let events = try await chat(app, user)
                    #expect(events.last?.name == "done")
                }
                #expect(upstream.state.snapshot.requests == 3)
            }
        }
    }

    @Test(arguments: [
        "ftp://proxy:21", "http://", "http://proxy:3128/some/path", "http://proxy:99999", "socks5://user:pw@proxy:1080", "proxy:3128",
    ])
    func badProxyURLsAreRefusedNamingTheField(proxy: String) async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let response = try await app.request(
                .post, "/api/admin/accounts",
                json: #"{"name":"p","base_url":"http://127.0.0.1:1/v1","api_key":"k","models":["m"],"proxy_url":"\#(proxy)"}"#, session: admin)
            #expect(response.status == .badRequest)
            #expect(response.text.contains("proxy_url"))
            let listed = try await app.request(.get, "/api/admin/accounts", session: admin).json()
            #expect((listed["accounts"] as? [Any])?.isEmpty == true, "nothing is half-saved")
        }
    }
}
