import PostgresKit
import SQLiteKit

/// Tells "the database is not there right now" (worth a 503 and a retry) from every other store error (a bug:
/// 500): PostgreSQL connections that fail or drop, the pool giving up or shut down, the server shutting down or
/// out of connections; SQLite busy or locked past its busy timeout.
enum StoreUnavailability {
    /// Whether `error` means the store is unavailable rather than the request or the code being wrong.
    static func matches(_ error: any Error) -> Bool {
        // The pool's own error (circuit breaker tripped after connections kept failing) lives in a module PostgresNIO
        // does not export; its type name is all there is to match.
        if String(describing: type(of: error)) == "ConnectionPoolError" { return true }
        switch error {
        case let error as PSQLError:
            switch error.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
                return true
            case .server:
                return error.serverInfo?[.sqlState].map(isUnavailableState) ?? false
            default:
                return false
            }
        case let error as SQLiteError:
            switch error.reason {
            case .busy, .locked, .busyTimeout, .busyInRecovery, .busyInSnapshot, .lockedBySharedCache: return true
            default: return false
            }
        default:
            return false
        }
    }

    /// SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutting down, starting up), and
    /// 53300 (too many connections).
    private static func isUnavailableState(_ state: String) -> Bool {
        state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300"
    }
}
