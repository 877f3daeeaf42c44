import Foundation
import Logging
import SQLKit
import Synchronization
import Testing
@testable import ChatMirror

/// A store that answers, fails, or hangs on demand (a stopped or frozen database), in front of an in-memory SQLite.
final class ControllableDatabase: AppDatabase {
    enum Mode: Sendable { case answer, fail, hang, closed }
    let inner: SQLiteStore
    let mode = Mutex(Mode.answer)
    var kind: DatabaseKind { inner.kind }

    init(inner: SQLiteStore) { self.inner = inner }

    private func gate() async throws {
        while true {
            switch mode.withLock({ $0 }) {
            case .answer: return
            case .fail: throw TestFailure("the database is down")
            case .closed: throw StoreStopped()
            case .hang: try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    func withSQL<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await gate()
        return try await inner.withSQL(body)
    }

    func transaction<T: Sendable>(_ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await gate()
        return try await inner.transaction(body)
    }

    func ping() async throws {
        try await gate()
        try await inner.ping()
    }

    func close() async { await inner.close() }
}

@Suite struct StoreProbeTests {
    private func withProbe(_ body: @Sendable (StoreProbe, ControllableDatabase) async throws -> Void) async throws {
        let db = ControllableDatabase(inner: try await SQLiteStore.open(path: ":memory:", logger: Logger(label: "test")))
        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        let probe = StoreProbe(db: db, interval: .milliseconds(20), deadline: .milliseconds(200), logger: quiet)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await probe.run() }
            defer { group.cancelAll() }
            try await body(probe, db)
        }
        await db.close()
    }

    /// `.hang` is a frozen database (a ping outlives the deadline), `.fail` a stopped one (pings fail).
    @Test(arguments: [ControllableDatabase.Mode.hang, .fail])
    func aStoreThatStopsAnsweringIsSeenAndItsRecoveryToo(_ outage: ControllableDatabase.Mode) async throws {
        try await withProbe { probe, db async throws in
            #expect(try await eventually { probe.status == .answering })
            db.mode.withLock { $0 = outage }
            #expect(try await eventually { probe.status == .notAnswering })
            db.mode.withLock { $0 = .answer }
            #expect(try await eventually { probe.status == .answering })
        }
    }

    @Test func aPingAfterTheStoreClosedAtShutdownIsNotAnOutage() async throws {
        let db = ControllableDatabase(inner: try await SQLiteStore.open(path: ":memory:", logger: Logger(label: "test")))
        let probe = StoreProbe(db: db, logger: Logger(label: "test"))
        // set-up: the store answered
        await probe.pingOnce()
        // act: the application stops, the store closes before the probe does
        db.mode.withLock { $0 = .closed }
        await probe.pingOnce()
        // check: nothing is reported as down
        #expect(probe.status == .answering)
        #expect(!probe.lastPingFailed)
        await db.close()
    }

    @Test func readyzAnswersReadyOnceTheStoreAnswers() async throws {
        try await Harness.withApp { app async throws in
            #expect(try await eventually { try await app.request(.get, "/readyz").status == .ok })
        }
    }
}
