import Foundation
import Logging
import Testing
@testable import ChatMirror

/// The PostgreSQL store's own connection for pings: never left open once the store stops (PostgresNIO stops the
/// process when an open connection is released), and start-up names what is wrong with the database at once.
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

    @Test func aDatabaseThatRefusesTheLoginStopsStartUpAtOnceSayingWhy() async throws {
        var config = Harness.config()
        let url = try #require(TestDatabase.postgresURL)
        var components = try #require(URLComponents(string: url))
        components.user = "no_such_role"
        config.databaseURL = components.string
        let app = try await buildApplication(config, console: { _ in })
        let error = await #expect(throws: (any Error).self) { try await app.test(.router) { _ in } }
        let problem = try #require(ConfigTests.findProblem(error))
        #expect(problem.key == "database.url")
        // The server's own reason, not a retry loop's "did not answer in time" (no timing is asserted: a loaded
        // machine makes any bound flaky).
        #expect(problem.problem.contains(#"role "no_such_role" does not exist"#))
    }
}
