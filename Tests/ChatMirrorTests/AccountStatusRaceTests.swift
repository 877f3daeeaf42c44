import Foundation
import Logging
import SQLKit
import Testing
@testable import ChatMirror

/// Issue #18: an account's status and failure count change by conditional SQL; stale reads never write back.
@Suite struct AccountStatusRaceTests {
    private static let timeout = UpstreamFailure(kind: .timeout, status: nil, message: "no answer in time")

    /// Runs `body` with the app's store, a pool over it and one account added by the admin.
    private func withAccount(
        _ body: @Sendable (AppTester, TestSession, AccountPool, AccountRepository, Int, any AppDatabase) async throws -> Void
    ) async throws {
        try await Harness.withApp(configure: { $0.healthIntervalSeconds = 3600 }) { app in
            let admin = try await app.loginAdmin()
            let id = try await app.addAccount(baseURL: "http://127.0.0.1:9/v1", admin: admin)
            try await StoreAccess.with(app.config) { db in
                let accounts = AccountRepository(db: db, clock: SystemClock())
                let pool = AccountPool(accounts: accounts, alerts: AlertRepository(db: db, clock: SystemClock()),
                                       clock: SystemClock(), logger: Logger(label: "test"))
                try await body(app, admin, pool, accounts, id, db)
            }
        }
    }

    private func alertCount(_ db: any AppDatabase) async throws -> Int {
        struct Row: Decodable { let n: Int }
        return try await db.withSQL { try await $0.raw("SELECT COUNT(*) AS n FROM alerts").first(decoding: Row.self)?.n ?? -1 }
    }

    @Test func theAdminsDisableSurvivesEveryOutcomeOfRequestsStartedBefore() async throws {
        try await withAccount { app, admin, pool, accounts, id, db in
            // setup: requests read the account while it was active (one of them after two failures)
            let fresh = try #require(try await accounts.find(id: id))
            var failedTwice = fresh
            failedTwice.consecutiveFailures = 2
            var trial = fresh
            trial.status = AccountStatus.cooling.rawValue

            // act: the admin disables it; then the requests end, failing in every way or succeeding
            let disabled = try await app.request(.patch, "/api/admin/accounts/\(id)", json: #"{"status":"disabled"}"#, session: admin)
            #expect(disabled.status == .ok)
            for _ in 0..<4 { await pool.record(Self.timeout, on: fresh) }
            await pool.record(UpstreamFailure(kind: .authentication, status: 401, message: "bad key"), on: fresh)
            await pool.record(UpstreamFailure(kind: .rateLimited, status: 429, message: "slow down"), on: fresh)
            await pool.record(nil, on: failedTwice)
            await pool.record(nil, on: trial)

            // check: still disabled, with no failures counted and no alert
            let stored = try #require(try await accounts.find(id: id))
            #expect(stored.status == "disabled")
            #expect(stored.consecutiveFailures == 0)
            #expect(try await alertCount(db) == 0)
        }
    }

    @Test func sixSimultaneousTimeoutsCountSixAndOpenTheBreakerOnce() async throws {
        try await withAccount { _, _, pool, accounts, id, db in
            let snapshot = try #require(try await accounts.find(id: id))
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<6 { group.addTask { await pool.record(Self.timeout, on: snapshot) } }
            }
            let stored = try #require(try await accounts.find(id: id))
            #expect(stored.consecutiveFailures == 6)
            #expect(stored.status == "cooling")
            #expect(try await alertCount(db) == 1)
        }
    }

    @Test func aSuccessReadBeforeTheBreakerOpenedDoesNotCloseIt() async throws {
        try await withAccount { _, _, pool, accounts, id, _ in
            // setup: a request reads the account after two failures; a third opens the breaker meanwhile
            await pool.record(Self.timeout, on: try #require(try await accounts.find(id: id)))
            await pool.record(Self.timeout, on: try #require(try await accounts.find(id: id)))
            let stale = try #require(try await accounts.find(id: id))
            await pool.record(Self.timeout, on: stale)
            #expect(try await accounts.find(id: id)?.status == "cooling")

            // act: the stale request succeeds
            await pool.record(nil, on: stale)

            // check: the breaker stays open with its count
            let stored = try #require(try await accounts.find(id: id))
            #expect(stored.status == "cooling")
            #expect(stored.consecutiveFailures == 3)
        }
    }

    /// A 400 is about what the client sent: it never counts, cools or turns a model off, however many arrive.
    @Test func refusedRequestsNeverCountAgainstTheAccount() async throws {
        try await withAccount { _, _, pool, accounts, id, db in
            let snapshot = try #require(try await accounts.find(id: id))
            let refused = UpstreamFailure(kind: .badRequest, status: 400, message: "messages[0].content: the model does not exist")
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<8 { group.addTask { await pool.record(refused, on: snapshot, model: "mock-gpt") } }
            }
            let stored = try #require(try await accounts.find(id: id))
            #expect(stored.status == "active")
            #expect(stored.consecutiveFailures == 0)
            #expect(stored.disabledModels == nil)
            #expect(try await alertCount(db) == 0)
        }
    }

    /// Before: the admin's edit wrote every column of the account it had read, breaker state included.
    @Test func anAdminEditReadBeforeTheBreakerOpenedKeepsItOpen() async throws {
        try await withAccount { _, _, pool, accounts, id, _ in
            // setup: the admin's edit reads the account; then the breaker opens
            let before = try #require(try await accounts.find(id: id))
            for _ in 0..<3 { await pool.record(Self.timeout, on: try #require(try await accounts.find(id: id))) }
            // act: the edit is written
            var edited = before
            edited.weight = 7
            try await accounts.update(edited, from: before)
            // check: the weight is the admin's, the breaker's state is the breaker's
            let stored = try #require(try await accounts.find(id: id))
            #expect(stored.weight == 7)
            #expect(stored.status == "cooling")
            #expect(stored.consecutiveFailures == 3)
        }
    }

    @Test func anAdminEditKeepsAStatusChangeMadeMeanwhile() async throws {
        try await withAccount { app, admin, pool, accounts, id, _ in
            // setup: the breaker opens
            for _ in 0..<3 { await pool.record(Self.timeout, on: try #require(try await accounts.find(id: id))) }
            // act: the admin changes the weight
            let edited = try await app.request(.patch, "/api/admin/accounts/\(id)", json: #"{"weight":5}"#, session: admin)
            #expect(edited.status == .ok)
            // check: weight written, breaker untouched
            let stored = try #require(try await accounts.find(id: id))
            #expect(stored.weight == 5)
            #expect(stored.status == "cooling")
            #expect(stored.consecutiveFailures == 3)
        }
    }
}
