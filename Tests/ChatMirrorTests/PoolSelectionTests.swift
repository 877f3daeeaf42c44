import Foundation
import HTTPTypes
import MockUpstream
import Testing
@testable import ChatMirror

/// Several mock upstreams as several accounts: how turns are spread, pinned, failed over and recovered.
@Suite struct PoolSelectionTests {
    /// A quick mock: answers at once.
    private static var quick: MockUpstreamConfiguration {
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 2
        mock.chunkDelayMs = 0
        return mock
    }

    /// Runs `body` with `count` quick mocks, each registered as an account (`extras[i]` appended to its JSON).
    private func withAccounts(
        _ count: Int, extras: [String] = [], clock: any AppClock = SystemClock(), healthInterval: Double = 3600,
        _ body: @Sendable (AppTester, TestSession, TestSession, [RunningMockUpstream], [Int]) async throws -> Void
    ) async throws {
        try await withMocks(count, collected: []) { mocks in
            try await Harness.withApp(.live, clock: clock, configure: { $0.healthIntervalSeconds = healthInterval }) { app in
                let admin = try await app.loginAdmin()
                var ids: [Int] = []
                for (index, mock) in mocks.enumerated() {
                    ids.append(try await app.addAccount(baseURL: mock.baseURL, admin: admin, extra: index < extras.count ? extras[index] : ""))
                }
                let (_, user) = try await app.makeUser("pooluser", admin: admin)
                try await body(app, admin, user, mocks, ids)
            }
        }
    }

    private func withMocks(
        _ count: Int, collected: [RunningMockUpstream], _ body: @Sendable ([RunningMockUpstream]) async throws -> Void
    ) async throws {
        guard collected.count < count else { return try await body(collected) }
        try await RunningMockUpstream.withRunning(configuration: Self.quick) { mock in
            try await withMocks(count, collected: collected + [mock], body)
        }
    }

    /// One turn in a new conversation (or `conversation`); returns the stream's events.
    private func turn(_ app: AppTester, _ user: TestSession, in conversation: String? = nil) async throws -> [SSEEvent] {
        let id: String
        if let conversation { id = conversation } else { id = try await app.createConversation(user) }
        let response = try await app.request(.post, "/api/conversations/\(id)/messages", json: #"{"content":"hi"}"#, session: user)
        return SSE.parse(response.text).events
    }

    private func account(_ app: AppTester, _ admin: TestSession, _ id: Int) async throws -> [String: Any] {
        try await app.request(.get, "/api/admin/accounts/\(id)", session: admin).json()
    }

    private func alerts(_ app: AppTester, _ admin: TestSession) async throws -> [[String: Any]] {
        try await app.request(.get, "/api/admin/alerts", session: admin).json()["alerts"] as? [[String: Any]] ?? []
    }

    @Test func weightsThreeToOneSplitTurnsThreeToOne() async throws {
        try await withAccounts(2, extras: [#","weight":3"#, #","weight":1"#]) { app, _, user, mocks, _ in
            // act: 120 turns, one at a time, each in a new conversation (nothing pinned)
            for _ in 0..<120 {
                let events = try await turn(app, user)
                #expect(events.last?.name == "done")
            }

            // check: the split follows the weights
            let heavy = mocks[0].state.snapshot.requests
            let light = mocks[1].state.snapshot.requests
            #expect(heavy + light == 120)
            #expect((84...96).contains(heavy), "weight 3 got \(heavy) of 120")
        }
    }

    @Test func manyAnswersStreamFromOneUpstreamAtOnce() async throws {
        try await withAccounts(1) { app, _, user, mocks, _ in
            // setup: an upstream that takes 8 s to its first token (past the 5 s first-token timeout of the tests)
            mocks[0].state.update { $0.firstTokenDelayMs = 8_000 }
            let port = try #require(app.client.port)
            var conversations: [String] = []
            for _ in 0..<24 { conversations.append(try await app.createConversation(user)) }

            // act: 24 answers at once (more than HTTP clients keep per host by default)
            let readers = conversations.map { id in
                Task {
                    try await LiveStream.readPartially(port: port, path: "/api/conversations/\(id)/messages",
                                                       body: #"{"content":"hi"}"#, session: user) { $0.contains("event: meta") }
                }
            }
            for reader in readers { _ = try await reader.value }

            // check: every one of them reached the upstream, none waits for a free connection
            #expect(try await eventually(timeout: 4) { mocks[0].state.snapshot.requests == 24 })
        }
    }

    @Test func aConversationStaysOnItsAccountUntilThatAccountFails() async throws {
        try await withAccounts(2) { app, _, user, mocks, _ in
            let conversation = try await app.createConversation(user)
            for _ in 0..<4 { #expect(try await turn(app, user, in: conversation).last?.name == "done") }
            let counts = mocks.map { $0.state.snapshot.requests }
            #expect(counts.sorted() == [0, 4], "pinned turns went to \(counts)")
            let pinned = counts[0] == 4 ? 0 : 1

            // act: the pinned account breaks; the conversation moves, and stays where it moved
            mocks[pinned].state.update { $0.failure = "500" }
            #expect(try await turn(app, user, in: conversation).last?.name == "done")
            mocks[pinned].state.update { $0.failure = nil }
            for _ in 0..<3 { #expect(try await turn(app, user, in: conversation).last?.name == "done") }

            // check: one failed attempt on the old account, everything else on the new one
            #expect(mocks[pinned].state.snapshot.requests == 5)
            #expect(mocks[1 - pinned].state.snapshot.requests == 4)
        }
    }

    @Test func aModelTheUpstreamDoesNotHaveIsTurnedOffForThatAccountOnly() async throws {
        try await withAccounts(2) { app, admin, user, mocks, ids in
            // setup: the first upstream has no "mock-gpt", though its account says it serves it
            mocks[0].state.update { $0.models = ["something-else"] }

            // act: turns go on without the user seeing anything
            for _ in 0..<4 { #expect(try await turn(app, user).last?.name == "done") }

            // check: one 404 on the first account, then no more traffic there for that model
            #expect(mocks[0].state.snapshot.requests == 1)
            #expect(mocks[1].state.snapshot.requests == 4)
            #expect(try await account(app, admin, ids[0])["disabled_models"] as? [String] == ["mock-gpt"])
            #expect(try await account(app, admin, ids[0])["status"] as? String == "active")
            let modelOff = try await alerts(app, admin).filter { $0["kind"] as? String == "model_off" }
            #expect(modelOff.count == 1)
            #expect((modelOff.first?["message"] as? String)?.contains("mock-gpt") == true)
            let models = try await app.request(.get, "/api/models", session: user).text
            #expect(models.contains("mock-gpt"))

            // act: the admin restates the account's models: the model is on again
            let edited = try await app.request(.patch, "/api/admin/accounts/\(ids[0])", json: #"{"models":["mock-gpt"]}"#, session: admin)
            #expect(edited.status == .ok)
            #expect(try edited.json()["disabled_models"] as? [String] == [])
        }
    }

    @Test func anOpenBreakerLetsOneTrialThroughAfterItsCooldownAndClosesWhenItSucceeds() async throws {
        let clock = ManualClock(Date())
        try await withAccounts(2, clock: clock) { app, admin, user, mocks, ids in
            let broken = mocks[0]
            broken.state.update { $0.failure = "500" }

            // act: turns until the broken account has failed three times (the breaker's threshold)
            for _ in 0..<12 where broken.state.snapshot.requests < AccountPool.breakerThreshold {
                #expect(try await turn(app, user).last?.name == "done")
            }
            #expect(broken.state.snapshot.requests == 3)
            #expect(try await account(app, admin, ids[0])["status"] as? String == "cooling")

            // check: open: no traffic at all while cooling
            for _ in 0..<4 { #expect(try await turn(app, user).last?.name == "done") }
            #expect(broken.state.snapshot.requests == 3)

            // act: the cooldown runs out; two turns at once
            clock.advance(by: 31)
            async let first = turn(app, user)
            async let second = turn(app, user)
            #expect(try await [first.last?.name, second.last?.name] == ["done", "done"])

            // check: half-open: exactly one trial, which failed over unseen and opened the breaker again, longer
            #expect(broken.state.snapshot.requests == 4)
            for _ in 0..<3 { #expect(try await turn(app, user).last?.name == "done") }
            #expect(broken.state.snapshot.requests == 4)
            clock.advance(by: 31)
            _ = try await turn(app, user)
            #expect(broken.state.snapshot.requests == 4, "the second cooldown is 60 s")

            // act: the upstream recovers; after the cooldown the trial succeeds
            broken.state.update { $0.failure = nil }
            clock.advance(by: 30)
            #expect(try await turn(app, user).last?.name == "done")

            // check: closed again, serving its share, and one alert per change (none for cooling → cooling)
            #expect(broken.state.snapshot.requests == 5)
            #expect(try await account(app, admin, ids[0])["status"] as? String == "active")
            for _ in 0..<4 { _ = try await turn(app, user) }
            #expect(broken.state.snapshot.requests >= 6)
            #expect(try await alerts(app, admin).map { $0["to_status"] as? String } == ["active", "cooling"])
        }
    }

    @Test func usersKeepGettingAnswersWhileAccountsFailEachInItsOwnWay() async throws {
        let clock = ManualClock(Date())
        try await withAccounts(4, clock: clock, healthInterval: 0.1) { app, admin, user, mocks, ids in
            // setup: one refuses the key, one rate-limits with Retry-After, one fails with 500s; one is healthy
            mocks[0].state.update { $0.failure = "401" }
            mocks[1].state.update {
                $0.failure = "429"
                $0.retryAfterSeconds = 20
            }
            mocks[2].state.update { $0.failure = "500" }

            // act: a user chats on
            for _ in 0..<24 { #expect(try await turn(app, user).last?.name == "done") }

            // check: each broken account changed status once, with one alert each
            let statuses = try await ids.asyncMap { try await account(app, admin, $0)["status"] as? String }
            #expect(statuses == ["failing", "cooling", "cooling", "active"])
            #expect(mocks[0].state.snapshot.requests == 1)
            #expect(mocks[1].state.snapshot.requests == 1)
            #expect(mocks[2].state.snapshot.requests == 3)
            let changes = try await alerts(app, admin).filter { $0["kind"] as? String == "account_status" }
            #expect(changes.count == 3)

            // act: the upstreams recover; time passes beyond the cooldowns
            for mock in mocks { mock.state.update { $0.failure = nil } }
            clock.advance(by: 31)

            // check: the health monitor brings every account back by itself, one alert each
            #expect(try await eventually(timeout: 20) {
                try await ids.asyncMap { try await account(app, admin, $0)["status"] as? String } == ["active", "active", "active", "active"]
            })
            #expect(try await alerts(app, admin).filter { $0["kind"] as? String == "account_status" }.count == 6)
        }
    }
}

extension Array {
    /// `map` with an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
