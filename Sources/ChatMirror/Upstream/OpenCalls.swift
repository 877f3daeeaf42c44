import Foundation
import SQLKit

/// An upstream call in progress, as the store keeps it until the call is settled.
struct OpenCall: Sendable, Decodable, Equatable {
    let id: String
    let instanceId: String
    var reservation: String
    let userId: Int
    var accountId: Int?
    let conversationId: String?
    let messageId: String?
    let apiKeyId: Int?
    let model: String
    let source: String
    let startedAt: Int
    let promptEstimate: Int
}

/// `open_calls` and `instances`: which instance has which upstream calls open, and which instances are alive.
/// Whoever deletes a call's row settles it (`claim`): the instance that ran it, or a survivor sweeping the calls
/// of a dead instance. That makes settlement exactly once across instances.
struct OpenCalls: Sendable {
    let db: any AppDatabase
    let clock: any AppClock
    /// This process's instance id.
    let instanceId: String

    /// How often an instance says it is alive.
    static let heartbeatInterval = Duration.seconds(1)
    /// Silence after which an instance counts as dead: its answers are interrupted and its calls settled by others.
    static let deadAfterMillis = 5_000

    static let columns = """
        id, instance_id, reservation, user_id, account_id, conversation_id, message_id, api_key_id, model, source, \
        started_at, prompt_estimate
        """

    /// Records a call as open on this instance.
    func open(_ call: OpenCall) async throws {
        try await db.withSQL { sql in
            try await sql.insert(into: "open_calls")
                .columns("id", "instance_id", "reservation", "user_id", "account_id", "conversation_id", "message_id", "api_key_id",
                         "model", "source", "started_at", "prompt_estimate")
                .values(SQLBind(call.id), SQLBind(call.instanceId), SQLBind(call.reservation), SQLBind(call.userId), SQLBind(call.accountId),
                        SQLBind(call.conversationId), SQLBind(call.messageId), SQLBind(call.apiKeyId), SQLBind(call.model),
                        SQLBind(call.source), SQLBind(call.startedAt), SQLBind(call.promptEstimate))
                .run()
        }
    }

    /// The call moved to another account with a new reservation (failover).
    func move(id: String, reservation: String, accountId: Int) async throws {
        try await db.withSQL { sql in
            try await sql.update("open_calls").set("reservation", to: SQLBind(reservation)).set("account_id", to: SQLBind(accountId))
                .where("id", .equal, SQLBind(id)).run()
        }
    }

    /// Takes the call to settle it; false when someone else took it (a survivor thought this instance dead).
    func claim(id: String) async throws -> Bool {
        struct Row: Decodable { let id: String }
        return try await db.withSQL { sql in
            try await sql.raw("DELETE FROM open_calls WHERE id = \(bind: id) RETURNING id").first(decoding: Row.self) != nil
        }
    }

    /// Takes every call of an instance that is not alive: no heartbeat for `deadAfterMillis`, or no row at all.
    func claimOrphans(deadAfterMillis: Int) async throws -> [OpenCall] {
        let alive = clock.nowMillis() - deadAfterMillis
        return try await db.withSQL { sql in
            try await sql.raw("""
                DELETE FROM open_calls WHERE instance_id <> \(bind: instanceId) \
                AND instance_id NOT IN (SELECT id FROM instances WHERE heartbeat_at > \(bind: alive)) \
                RETURNING \(unsafeRaw: Self.columns)
                """).all(decoding: OpenCall.self, keyDecodingStrategy: .convertFromSnakeCase)
        }
    }

    /// Marks this instance alive (inserting its row the first time).
    func heartbeat() async throws {
        let now = clock.nowMillis()
        try await db.withSQL { sql in
            try await sql.raw("""
                INSERT INTO instances (id, started_at, heartbeat_at) VALUES (\(bind: instanceId), \(bind: now), \(bind: now)) \
                ON CONFLICT (id) DO UPDATE SET heartbeat_at = \(bind: now)
                """).run()
        }
    }

    /// Forgets instances silent for an hour (their calls were swept long before).
    func forgetLongDeadInstances() async throws {
        let cutoff = clock.nowMillis() - 3_600_000
        try await db.withSQL { sql in
            try await sql.raw("DELETE FROM instances WHERE heartbeat_at < \(bind: cutoff)").run()
        }
    }
}
