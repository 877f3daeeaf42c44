import Foundation
import HTTPTypes
import HummingbirdTesting
import MockUpstream
import Testing
@testable import ChatMirror

@Suite struct QuotaTests {
    private func plan(_ f: ChatFixture, _ json: String) async throws -> Int {
        let response = try await f.app.request(.post, "/api/admin/plans", json: json, session: f.admin)
        guard response.status == .created else { throw TestFailure("plan: \(response.status) \(response.text)") }
        return try #require(try response.json()["id"] as? Int)
    }

    private func userId(_ f: ChatFixture, _ name: String = "alice") async throws -> Int {
        let users = try await f.app.request(.get, "/api/admin/users?q=\(name)", session: f.admin).json()
        return try #require((users["users"] as? [[String: Any]])?.first?["id"] as? Int)
    }

    private func chat(_ f: ChatFixture, model: String? = nil) async throws -> TestResponse {
        let conversation = try await f.app.createConversation(f.user)
        let body = model.map { #"{"content":"hi","model":"\#($0)"}"# } ?? #"{"content":"hi"}"#
        return try await f.app.request(.post, "/api/conversations/\(conversation)/messages", json: body, session: f.user)
    }

    private func quota(_ f: ChatFixture) async throws -> [[String: Any]] {
        try await f.app.request(.get, "/api/me/quota", session: f.user).json()["limits"] as? [[String: Any]] ?? []
    }

    @Test func theSeedPlanBehavesAsDescribed() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_796_212_800))  // 2026-12-02T12:00:00Z
        var mock = MockUpstreamConfiguration()
        mock.models = ["mock-gpt", "o1-mock"]
        mock.chunkCount = 1
        try await ChatFixture.with(mock: mock, clock: clock) { f in
            let accounts = try await f.app.request(.get, "/api/admin/accounts", session: f.admin).json()
            let accountId = try #require((accounts["accounts"] as? [[String: Any]])?.first?["id"] as? Int)
            _ = try await f.app.request(.patch, "/api/admin/accounts/\(accountId)", json: #"{"models":["mock-gpt","o1-mock"]}"#, session: f.admin)
            let planId = try await plan(f, #"""
                {"name":"Team","limits":[{"window":"3h","max_requests":40,"model_weights":{"o1*":5}},
                {"window":"day","max_requests":200},{"window":"month","max_requests":1000}]}
                """#)
            _ = try await f.app.request(.put, "/api/admin/users/\(try await userId(f))/plan", json: #"{"plan_id":\#(planId)}"#, session: f.admin)
            for _ in 0..<7 { #expect(try await chat(f, model: "o1-mock").status == .ok) }  // 35 of 40
            for _ in 0..<5 { #expect(try await chat(f).status == .ok) }                       // 40 of 40
            let refused = try await chat(f)
            #expect(refused.status == .tooManyRequests)
            let error = try #require(try refused.json()["error"] as? [String: Any])
            #expect(error["code"] as? String == "quota_exceeded")
            #expect(error["level"] as? String == "plan")
            #expect(error["window"] as? String == "3h")
            #expect(error["limit"] as? Int == 40)
            #expect(error["used"] as? Int == 40)
            #expect(error["resets_at"] as? String == "2026-12-02T15:00:00Z")
            #expect(refused.headers[.retryAfter] == "10800")
            let limits = try await quota(f)
            #expect(limits.count == 3)
            #expect(limits[0]["remaining_requests"] as? Int == 0)
            #expect(limits[0]["warning"] as? Bool == true)
            #expect(limits[1]["used_requests"] as? Int == 12)  // weights belong to the 3h limit only
            #expect(limits[1]["warning"] as? Bool == false)
            #expect(limits[2]["resets_at"] as? String == "2027-01-01T00:00:00Z")
            clock.advance(by: 3 * 3600 - 1)
            #expect(try await chat(f).status == .tooManyRequests)
            clock.advance(by: 1)
            #expect(try await chat(f).status == .ok)
        }
    }

    @Test func aRollingWindowAcrossHoursCountsExactlyTheUsesInside() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_796_214_600))  // 2026-12-02T12:30:00Z
        var mock = MockUpstreamConfiguration()
        mock.chunkCount = 1
        try await ChatFixture.with(mock: mock, clock: clock) { f in
            // setup: 3 requests per 2 hours, rolling; uses at 12:30:00, 13:15:00 and 13:59:59
            _ = try await f.app.request(.put, "/api/admin/users/\(try await userId(f))/limits",
                                        json: #"{"limits":[{"window":"2h","max_requests":3}]}"#, session: f.admin)
            #expect(try await chat(f).status == .ok)
            clock.advance(by: 45 * 60)
            #expect(try await chat(f).status == .ok)
            clock.advance(by: 44 * 60 + 59)
            #expect(try await chat(f).status == .ok)

            // check: full across the hour boundary, until the first use leaves the window at 14:30:00
            clock.advance(by: 1)  // 14:00:00
            #expect(try await chat(f).status == .tooManyRequests)
            clock.advance(by: 30 * 60 - 1)  // 14:29:59
            #expect(try await chat(f).status == .tooManyRequests)
            clock.advance(by: 1)  // 14:30:00: the 12:30:00 use is out
            #expect(try await chat(f).status == .ok)
            let refused = try await chat(f)
            let error = try #require(try refused.json()["error"] as? [String: Any])
            #expect(error["used"] as? Int == 3)
            #expect(error["resets_at"] as? String == "2026-12-02T15:15:00Z")  // when the 13:15:00 use leaves
        }
    }

    @Test func anAccountPlanBlocksAllItsUsersAndAUserPlanBlocksOnlyItsUser() async throws {
        try await ChatFixture.with { f in
            let accounts = try await f.app.request(.get, "/api/admin/accounts", session: f.admin).json()
            let accountId = try #require((accounts["accounts"] as? [[String: Any]])?.first?["id"] as? Int)
            let small = try await plan(f, #"{"name":"small account","limits":[{"window":"day","max_requests":2}]}"#)
            _ = try await f.app.request(.put, "/api/admin/accounts/\(accountId)/plan", json: #"{"plan_id":\#(small)}"#, session: f.admin)
            let (_, bob) = try await f.app.makeUser("bob", admin: f.admin)
            #expect(try await chat(f).status == .ok)
            let bobConversation = try await f.app.createConversation(bob)
            let bobFirst = try await f.app.request(.post, "/api/conversations/\(bobConversation)/messages", json: #"{"content":"x"}"#, session: bob)
            #expect(bobFirst.status == .ok)
            let blocked = try await chat(f)
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.errorCode == "quota_exceeded")
            #expect((try blocked.json()["error"] as? [String: Any])?["level"] as? String == "account")
            _ = try await f.app.request(.put, "/api/admin/accounts/\(accountId)/plan", json: #"{"plan_id":null}"#, session: f.admin)
            #expect(try await chat(f).status == .ok)
            let tight = try await plan(f, #"{"name":"tight user","limits":[{"window":"day","max_requests":2}]}"#)
            _ = try await f.app.request(.put, "/api/admin/users/\(try await userId(f))/plan", json: #"{"plan_id":\#(tight)}"#, session: f.admin)
            #expect(try await chat(f).status == .ok)
            #expect(try await chat(f).status == .ok)
            let userBlocked = try await chat(f)
            #expect((try userBlocked.json()["error"] as? [String: Any])?["level"] as? String == "plan")
            let bobConversation2 = try await f.app.createConversation(bob)
            let bobAgain = try await f.app.request(.post, "/api/conversations/\(bobConversation2)/messages", json: #"{"content":"x"}"#, session: bob)
            #expect(bobAgain.status == .ok)
        }
    }

    @Test func globalLimitsAndUserOverridesApplyOnTheNextRequest() async throws {
        try await ChatFixture.with { f in
            _ = try await f.app.request(.put, "/api/admin/limits/global", json: #"{"limits":[{"window":"1h","max_requests":1}]}"#, session: f.admin)
            #expect(try await chat(f).status == .ok)
            let global = try await chat(f)
            #expect((try global.json()["error"] as? [String: Any])?["level"] as? String == "global")
            _ = try await f.app.request(.put, "/api/admin/limits/global", json: #"{"limits":[]}"#, session: f.admin)
            _ = try await f.app.request(.put, "/api/admin/users/\(try await userId(f))/limits", json: #"{"limits":[{"window":"1h","max_requests":2}]}"#, session: f.admin)
            #expect(try await chat(f).status == .ok)
            #expect(try await chat(f).status == .ok)
            let override = try await chat(f)
            #expect((try override.json()["error"] as? [String: Any])?["level"] as? String == "user")
            _ = try await f.app.request(.put, "/api/admin/users/\(try await userId(f))/limits", json: #"{"limits":[{"window":"1h","max_requests":3}]}"#, session: f.admin)
            #expect(try await chat(f).status == .ok)  // raising the limit keeps what was used: 3 of 3 now
            #expect(try await chat(f).status == .tooManyRequests)
            let bad = try await f.app.request(.put, "/api/admin/limits/global", json: #"{"limits":[{"window":"3x","max_requests":1}]}"#, session: f.admin)
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("window"))
            let empty = try await f.app.request(.put, "/api/admin/limits/global", json: #"{"limits":[{"window":"3h"}]}"#, session: f.admin)
            #expect(empty.status == .badRequest)
        }
    }

    @Test func aRequestLimitAndATokenLimitOnTheSameWindowCountEachTurnOnce() async throws {
        try await ChatFixture.with { f in
            // setup: two limits of one level on one window, one on requests and one on tokens
            let limits = #"{"limits":[{"window":"1h","max_requests":3},{"window":"1h","max_tokens":1000000}]}"#
            _ = try await f.app.request(.put, "/api/admin/users/\(try await userId(f))/limits", json: limits, session: f.admin)

            // act + check: three turns pass, the fourth is refused by the request limit
            for _ in 0..<3 { #expect(try await chat(f).status == .ok) }
            let refused = try await chat(f)
            #expect(refused.status == .tooManyRequests)
            #expect((try refused.json()["error"] as? [String: Any])?["used"] as? Int == 3)
            let shown = try await quota(f).first { $0["max_requests"] as? Int == 3 }
            #expect(shown?["used_requests"] as? Int == 3)
        }
    }

    @Test func failedAttemptsAreRefundedAndFailoverChargesOnce() async throws {
        var broken = MockUpstreamConfiguration()
        broken.failure = "500"
        try await ChatFixture.with(mock: broken) { f in
            _ = try await f.app.request(.put, "/api/admin/users/\(try await userId(f))/limits", json: #"{"limits":[{"window":"day","max_requests":5}]}"#, session: f.admin)
            _ = try await chat(f)
            #expect(try await quota(f).first?["used_requests"] as? Int == 0)
            try await RunningMockUpstream.withRunning { good in
                try await f.app.addAccount(baseURL: good.baseURL, admin: f.admin)
                f.mock.state.update { $0.failure = "500" }
                for _ in 0..<2 {
                    let response = try await chat(f)
                    #expect(SSE.parse(response.text).events.last?.name == "done")
                }
                #expect(try await quota(f).first?["used_requests"] as? Int == 2)
            }
        }
    }

    @Test func tokensSettleFromReportedUsageOrAnEstimate() async throws {
        for reported in [true, false] {
            var mock = MockUpstreamConfiguration()
            mock.includeUsage = reported
            mock.reply = "twelve chars"
            try await ChatFixture.with(mock: mock) { f in
                _ = try await f.app.request(.put, "/api/admin/users/\(try await userId(f))/limits", json: #"{"limits":[{"window":"day","max_tokens":100000}]}"#, session: f.admin)
                let response = try await chat(f)
                let done = try #require(SSE.parse(response.text).events.last)
                #expect(done.name == "done")
                let used = try #require(try await quota(f).first?["used_tokens"] as? Int)
                #expect(used > 0)
                let saved = try await f.messages(nil)
                _ = saved
            }
        }
    }

    @Test func theV1APIAnswers429WithRetryAfterWhenTheQuotaIsUsedUp() async throws {
        try await ChatFixture.with { f in
            _ = try await f.app.request(.put, "/api/admin/users/\(try await userId(f))/limits", json: #"{"limits":[{"window":"1h","max_requests":1}]}"#, session: f.admin)
            let key = try #require(try await f.app.request(.post, "/api/me/api-keys", json: #"{"name":"k"}"#, session: f.user).json()["key"] as? String)
            let body = #"{"model":"mock-gpt","messages":[{"role":"user","content":"x"}]}"#
            let first = try await f.app.request(.post, "/v1/chat/completions", json: body, headers: [.authorization: "Bearer \(key)"])
            #expect(first.status == .ok)
            let second = try await f.app.request(.post, "/v1/chat/completions", json: body, headers: [.authorization: "Bearer \(key)"])
            #expect(second.status == .tooManyRequests)
            #expect(second.headers[.retryAfter] != nil)
            #expect((try second.json()["error"] as? [String: Any])?["type"] as? String == "insufficient_quota")
        }
    }
}

@Suite struct QuotaConcurrencyTests {
    /// 200 concurrent admissions against a limit of 37 admit exactly 37, on one store or two instances' stores
    /// (two instances only on PostgreSQL: SQLite is the one-instance store, and two connections to one file wait
    /// on each other past the busy timeout when the machine is loaded).
    @Test(arguments: TestDatabase.postgresURL == nil ? [1] : [1, 2])
    func concurrentAdmissionsAdmitExactlyTheLimit(instances: Int) async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (userId, _) = try await app.makeUser("racer", admin: admin)
            _ = try await app.request(.put, "/api/admin/users/\(userId)/limits", json: #"{"limits":[{"window":"1h","max_requests":37},{"window":"day","max_requests":1000}]}"#, session: admin)
            let config = app.config
            let admitted = try await StoreAccess.withMany(config, count: instances) { stores in
                let engines = stores.map { db in
                    QuotaEngine(db: db, plans: PlanRepository(db: db, clock: SystemClock()), settings: SettingsRepository(db: db, clock: SystemClock()),
                                clock: SystemClock(), logger: .init(label: "test"))
                }
                guard let user = try await UserRepository(db: stores[0], clock: SystemClock()).find(id: userId) else { return -1 }
                return try await withThrowingTaskGroup(of: Bool.self) { group in
                    for index in 0..<200 {
                        let engine = engines[index % engines.count]
                        group.addTask {
                            do {
                                _ = try await engine.reserve(user: user, account: nil, model: "mock-gpt")
                                return true
                            } catch is QuotaExceeded {
                                return false
                            }
                        }
                    }
                    var count = 0
                    for try await ok in group where ok { count += 1 }
                    return count
                }
            }
            #expect(admitted == 37)
        }
    }
}

extension QuotaConcurrencyTests {
    /// Admissions, settlements and refunds racing on one store, or two instances on PostgreSQL (the store several
    /// instances share; two connections to one SQLite file time out waiting for each other's writes under load):
    /// the counters end where the kept turns say.
    @Test(arguments: TestDatabase.postgresURL == nil ? [1] : [1, 2])
    func concurrentSettlementsAndRefundsKeepTheCountersExact(instances: Int) async throws {
        try await Harness.withApp { app in
            // setup: 10 per hour for one user
            let admin = try await app.loginAdmin()
            let (userId, session) = try await app.makeUser("settler", admin: admin)
            _ = try await app.request(.put, "/api/admin/users/\(userId)/limits", json: #"{"limits":[{"window":"1h","max_requests":10}]}"#, session: admin)
            enum Outcome: Sendable { case kept, refunded, refused }

            // act: 60 turns at once; every admitted one settles 7 tokens, every third is refunded (a failed attempt)
            let outcomes = try await StoreAccess.withMany(app.config, count: instances) { stores in
                let engines = stores.map { db in
                    QuotaEngine(db: db, plans: PlanRepository(db: db, clock: SystemClock()), settings: SettingsRepository(db: db, clock: SystemClock()),
                                clock: SystemClock(), logger: .init(label: "test"))
                }
                guard let user = try await UserRepository(db: stores[0], clock: SystemClock()).find(id: userId) else { return [Outcome]() }
                return try await withThrowingTaskGroup(of: Outcome.self) { group in
                    for index in 0..<60 {
                        let engine = engines[index % engines.count]
                        group.addTask {
                            do {
                                let reservation = try await engine.reserve(user: user, account: nil, model: "mock-gpt")
                                if index % 3 == 2 {
                                    await engine.refund(reservation)
                                    return .refunded
                                }
                                await engine.settle(reservation, tokens: 7)
                                return .kept
                            } catch is QuotaExceeded {
                                return .refused
                            }
                        }
                    }
                    var all: [Outcome] = []
                    for try await outcome in group { all.append(outcome) }
                    return all
                }
            }

            // check: never more than 10 kept, and what the user sees is exactly the kept turns and their tokens
            let kept = outcomes.filter { $0 == .kept }.count
            #expect(outcomes.count == 60)
            #expect((1...10).contains(kept))
            let shown = try await app.request(.get, "/api/me/quota", session: session).json()
            let hourly = (shown["limits"] as? [[String: Any]])?.first
            #expect(hourly?["used_requests"] as? Int == kept)
            #expect(hourly?["used_tokens"] as? Int == kept * 7)
        }
    }
}

extension StoreAccess {
    /// Several independent connections (pools) to a test app's store, like several instances.
    static func withMany<T: Sendable>(_ config: AppConfig, count: Int, _ body: @Sendable ([any AppDatabase]) async throws -> T) async throws -> T {
        var stores: [(any AppDatabase, PostgresStore?)] = []
        for _ in 0..<count { stores.append(try await DatabaseFactory.open(config: config, logger: .init(label: "test"))) }
        let postgres = stores.compactMap(\.1)
        let databases = stores.map(\.0)
        if postgres.isEmpty {
            // Closed on every way out: an SQLite connection left open stops the test process.
            do {
                let result = try await body(databases)
                for db in databases { await db.close() }
                return result
            } catch {
                for db in databases { await db.close() }
                throw error
            }
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for store in postgres { group.addTask { await store.client.run() } }
            defer { group.cancelAll() }
            return try await body(databases)
        }
    }
}

@Suite struct SettingsTests {
    @Test func newUsersGetTheDefaultPlanAndAccessMode() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let plan = try await app.request(.post, "/api/admin/plans", json: #"{"name":"Starter","limits":[{"window":"day","max_requests":10}]}"#, session: admin)
            let planId = try #require(try plan.json()["id"] as? Int)
            let saved = try await app.request(.put, "/api/admin/settings",
                                              json: #"{"default_plan_id":\#(planId),"default_access_mode":"mixed","timezone":"Asia/Shanghai"}"#, session: admin)
            #expect(try saved.json()["timezone"] as? String == "Asia/Shanghai")
            let created = try await app.request(.post, "/api/admin/users", json: #"{"username":"newbie"}"#, session: admin).json()
            let user = try #require(created["user"] as? [String: Any])
            #expect(user["plan_id"] as? Int == planId)
            #expect(user["access_mode"] as? String == "mixed")
            for bad in [#"{"timezone":"Mars/Base"}"#, #"{"default_plan_id":999}"#, #"{"default_access_mode":"all"}"#, #"{"site_name":""}"#] {
                #expect(try await app.request(.put, "/api/admin/settings", json: bad, session: admin).status == .badRequest, "\(bad)")
            }
            let plans = try await app.request(.get, "/api/admin/plans", session: admin).json()
            #expect((plans["plans"] as? [[String: Any]])?.first?["users"] as? Int == 1)
            let duplicate = try await app.request(.post, "/api/admin/plans", json: #"{"name":"starter"}"#, session: admin)
            #expect(duplicate.status == .conflict)
            #expect(try await app.request(.delete, "/api/admin/plans/\(planId)", session: admin).status == .noContent)
            #expect(try await app.request(.get, "/api/admin/plans/\(planId)", session: admin).status == .notFound)
        }
    }
}

@Suite struct QuotaPruningTests {
    /// Rows older than the longest window (plus a day) go; rows any window can still see stay, and admission
    /// still counts them; the ledger goes only past its retention.
    @Test func prunesWhatNoWindowCanSeeAndKeepsTheRest() async throws {
        let clock = ManualClock()
        try await Harness.withApp(clock: clock) { app in
            let admin = try await app.loginAdmin()
            let (userId, user) = try await app.makeUser("pruned", admin: admin)
            _ = try await app.request(.put, "/api/admin/users/\(userId)/limits", json: #"{"limits":[{"window":"3h","max_requests":100},{"window":"day","max_requests":100}]}"#,
                                      session: admin)
            let config = app.config
            try await StoreAccess.withMany(config, count: 1) { stores in
                let db = stores[0]
                let engine = QuotaEngine(db: db, plans: PlanRepository(db: db, clock: clock), settings: SettingsRepository(db: db, clock: clock),
                                         clock: clock, logger: .init(label: "test"))
                guard let owner = try await UserRepository(db: db, clock: clock).find(id: userId) else { return }
                let old = try await engine.reserve(user: owner, account: nil, model: "mock-gpt")
                await engine.settle(old, tokens: 10)
                try await UsageLedger(db: db).record(UsageEvent(userId: userId, accountId: nil, conversationId: nil, apiKeyId: nil,
                                                                model: "mock-gpt", startedAt: clock.nowMillis(), ttftMs: nil,
                                                                durationMs: nil, promptTokens: 1, completionTokens: 1, outcome: "ok",
                                                                source: "api"))
                clock.advance(by: 3 * 86_400)  // past a day's window (25 h at most) and the margin (a day)
                _ = try await engine.reserve(user: owner, account: nil, model: "mock-gpt")
                let keep = QuotaPruner(db: db, clock: clock, interval: .seconds(600), ledgerRetentionDays: 0, logger: .init(label: "test"))
                let pruned = try await keep.pruneOnce()
                #expect(pruned.quotaRows > 0)
                #expect(pruned.ledgerRows == 0)
                #expect(try await keep.pruneOnce() == .init(), "a second pass finds nothing")
                let ledger = QuotaPruner(db: db, clock: clock, interval: .seconds(600), ledgerRetentionDays: 1, logger: .init(label: "test"))
                #expect(try await ledger.pruneOnce().ledgerRows == 1)
            }
            // What is still in a window still counts.
            let quota = try await app.request(.get, "/api/me/quota", session: user).json()
            #expect((quota["limits"] as? [[String: Any]])?.allSatisfy { $0["used_requests"] as? Int == 1 } == true)
        }
    }
}
