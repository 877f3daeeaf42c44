import Foundation
import Logging
import ServiceLifecycle
import SQLKit

/// Deletes what no quota window can see any more (`quota_events`, `quota_seconds`, `quota_hours` older than the
/// longest window of any limit, plus a day), and ledger rows older than `ledger.retention_days` (0 keeps them).
/// Every few minutes; deleting the same rows twice (several instances) is harmless.
struct QuotaPruner: Service {
    let db: any AppDatabase
    let clock: any AppClock
    let interval: Duration
    let ledgerRetentionDays: Int
    let logger: Logger

    /// Kept beyond the longest window: reservations still to settle, and clock skew between instances.
    static let marginMillis = 86_400_000

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                do {
                    try await pruneOnce()
                } catch {
                    logger.warning("pruning failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// What a pass deleted.
    struct Pruned: Sendable, Equatable {
        var quotaRows = 0
        var ledgerRows = 0
    }

    /// One pass.
    @discardableResult
    func pruneOnce() async throws -> Pruned {
        struct Row: Decodable { let windowSpec: String }
        let now = clock.nowMillis()
        return try await db.withSQL { sql in
            let windows = try await sql.raw("SELECT DISTINCT window_spec FROM quota_limits")
                .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase).compactMap { QuotaWindow($0.windowSpec) }
            let horizon = now - (windows.map(Self.longestSpanMillis).max() ?? 0) - Self.marginMillis
            var pruned = Pruned()
            pruned.quotaRows += try await Self.delete(sql, "DELETE FROM quota_events WHERE at < \(bind: horizon)")
            pruned.quotaRows += try await Self.delete(sql, "DELETE FROM quota_seconds WHERE at < \(bind: horizon / 1000)")
            // An hour row counts uses in [at, at + 1 h): it goes once the whole hour is past the horizon.
            pruned.quotaRows += try await Self.delete(sql, "DELETE FROM quota_hours WHERE at < \(bind: horizon / 1000 - 3600)")
            if ledgerRetentionDays > 0 {
                let cutoff = now - ledgerRetentionDays * 86_400_000
                pruned.ledgerRows = try await Self.delete(sql, "DELETE FROM usage_events WHERE started_at < \(bind: cutoff)")
            }
            if pruned != Pruned() {
                logger.info("pruned", metadata: ["quota.rows": "\(pruned.quotaRows)", "ledger.rows": "\(pruned.ledgerRows)"])
            }
            return pruned
        }
    }

    private static func delete(_ sql: any SQLDatabase, _ query: SQLQueryString) async throws -> Int {
        struct Count: Decodable { let n: Int }
        // RETURNING works on both stores (SQLite 3.35+, PostgreSQL); the count is only reported.
        let rows = try await sql.raw(query + " RETURNING 1 AS n").all(decoding: Count.self)
        return rows.count
    }

    /// The longest span a window can count, in milliseconds (a calendar period at its longest, DST included).
    static func longestSpanMillis(_ window: QuotaWindow) -> Int {
        switch window {
        case .rolling(let seconds): return seconds * 1000
        case .calendar(let component):
            switch component {
            case .hour: return 3_600_000
            case .day: return 25 * 3_600_000
            case .weekOfYear: return 7 * 86_400_000 + 3_600_000
            default: return 31 * 86_400_000 + 3_600_000
            }
        }
    }
}
