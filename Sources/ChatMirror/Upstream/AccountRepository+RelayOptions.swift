import Foundation
import SQLKit

extension AccountRepository {
    /// Writes an account's relay options (`RelayOptions.stored`; nil for the defaults).
    func setRelayOptions(id: Int, _ json: String?) async throws {
        defer { invalidate() }
        try await db.withSQL { sql in
            try await sql.update("upstream_accounts")
                .set("relay_options", to: SQLBind(json))
                .set("updated_at", to: SQLBind(clock.nowMillis()))
                .where("id", .equal, SQLBind(id))
                .run()
        }
    }
}
