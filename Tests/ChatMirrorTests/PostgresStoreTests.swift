import Foundation
import Logging
import Testing
@testable import ChatMirror

/// The PostgreSQL store's own connection for pings: never left open once the store stops (PostgresNIO stops the
/// process when an open connection is released).
@Suite(.enabled(if: TestDatabase.postgresURL != nil, "needs TEST_DATABASE_URL"))
struct PostgresStoreTests {
    @Test func aPingRacingTheStoreStoppingLeavesNoConnectionOpen() async throws {
        let url = try #require(TestDatabase.postgresURL)
        for _ in 0..<10 {
            // set-up + act: a running store stops while a ping may still be opening its connection
            let store = try PostgresStore(url: url, logger: Logger(label: "test"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                try await store.whileRunning {
                    // (it may answer, find the store stopped, or have its connection closed under it)
                    group.addTask { try? await store.ping() }
                }
                try await group.waitForAll()
            }
            // check: a ping after the stop opens nothing; the store is released here, with no connection open
            await #expect(throws: StoreStopped.self) { try await store.ping() }
        }
    }
}
