import Foundation
import HTTPTypes
import Testing
@testable import ChatMirror

/// Issue #18: numbers from outside are bounded; out of range is a 400 naming the field, never a trap.
@Suite struct InputBoundsTests {
    @Test func windowsWhoseLengthOverflowsAreRefusedNotTrapped() {
        // Before: "200000000000000d" multiplied past Int.max and killed the process (signal 4).
        for bad in ["200000000000000d", "9223372036854775807s", "153722867280912931m", "2562047788015216h", "367d"] {
            #expect(QuotaWindow(bad) == nil, "\(bad)")
        }
        #expect(QuotaWindow("366d") == .rolling(seconds: 366 * 86_400))
    }

    @Test func outOfRangeLimitsGet400NamingTheField() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (userId, _) = try await app.makeUser("bounded", admin: admin)
            let cases: [(String, String)] = [
                (#"{"window":"200000000000000d","max_requests":1}"#, "limits[0].window"),
                (#"{"window":"1h","max_requests":1000000000000000}"#, "limits[0].max_requests"),
                (#"{"window":"1h","max_tokens":9223372036854775807}"#, "limits[0].max_tokens"),
                (#"{"window":"1h","max_requests":-1}"#, "limits[0].max_requests"),
                (#"{"window":"1h","max_requests":99999999999999999999999}"#, "max_requests"),
                (#"{"window":"1h","max_requests":1,"model_weights":{"a":1001}}"#, "limits[0].model_weights"),
            ]
            for (limit, field) in cases {
                for path in ["/api/admin/users/\(userId)/limits", "/api/admin/limits/global"] {
                    let response = try await app.request(.put, path, json: #"{"limits":[\#(limit)]}"#, session: admin)
                    #expect(response.status == .badRequest, "\(limit): \(response.text)")
                    #expect(response.errorCode != nil && response.text.contains(field), "\(limit): \(response.text)")
                }
                let plan = try await app.request(.post, "/api/admin/plans", json: #"{"name":"P","limits":[\#(limit)]}"#, session: admin)
                #expect(plan.status == .badRequest, "\(limit): \(plan.text)")
            }
            // The server is still up and the largest allowed values are taken.
            let ok = try await app.request(.put, "/api/admin/users/\(userId)/limits",
                                           json: #"{"limits":[{"window":"366d","max_requests":1000000000,"max_tokens":1000000000000}]}"#,
                                           session: admin)
            #expect(ok.status == .ok, "\(ok.text)")
        }
    }

    @Test func outOfRangeDatesAndShareLinkUsesGet400() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (userId, _) = try await app.makeUser("dated", admin: admin)
            for query in ["from=99999999999-01-01", "to=292277026596-12-04", "from=1969-12-31"] {
                let csv = try await app.request(.get, "/api/admin/usage.csv?\(query)", session: admin)
                #expect(csv.status == .badRequest, "\(query)")
                let audit = try await app.request(.get, "/api/admin/audit?\(query)", session: admin)
                #expect(audit.status == .badRequest, "\(query)")
            }
            let uses = try await app.request(.post, "/api/admin/users/\(userId)/share-links", json: #"{"max_uses":9223372036854775807}"#, session: admin)
            #expect(uses.status == .badRequest)
            #expect(uses.text.contains("max_uses"))
        }
    }
}
