import Foundation
import SQLKit

/// One row of the usage ledger: what a turn used and how it ended.
struct UsageEvent: Sendable {
    var userId: Int?
    var accountId: Int?
    var conversationId: String?
    var apiKeyId: Int?
    var model: String?
    var startedAt: Int
    var ttftMs: Int?
    var durationMs: Int?
    var promptTokens: Int
    var completionTokens: Int
    var outcome: String
    var source: String
}

/// Writes the ledger (`usage_events`).
struct UsageLedger: Sendable {
    let db: any AppDatabase

    func record(_ event: UsageEvent) async throws {
        try await db.withSQL { sql in
            try await sql.insert(into: "usage_events")
                .columns("user_id", "account_id", "conversation_id", "api_key_id", "model", "started_at", "ttft_ms", "duration_ms",
                         "prompt_tokens", "completion_tokens", "outcome", "source")
                .values(SQLBind(event.userId), SQLBind(event.accountId), SQLBind(event.conversationId), SQLBind(event.apiKeyId),
                        SQLBind(event.model), SQLBind(event.startedAt), SQLBind(event.ttftMs), SQLBind(event.durationMs),
                        SQLBind(event.promptTokens), SQLBind(event.completionTokens), SQLBind(event.outcome), SQLBind(event.source))
                .run()
        }
    }
}
