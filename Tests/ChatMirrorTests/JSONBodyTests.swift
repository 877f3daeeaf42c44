import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
@testable import ChatMirror

/// Issue #18: what the JSON API takes as a body, and which text it refuses.
@Suite struct JSONBodyTests {
    /// Before: "Team\u0000x" was stored cut to "Team" and collided with the plan of that name: a 500.
    @Test func textWithNULIsA400NamingTheFieldWhereverItIs() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            #expect(try await app.request(.post, "/api/admin/plans", json: #"{"name":"Team"}"#, session: admin).status == .created)
            let cases: [(HTTPRequest.Method, String, String, String)] = [
                (.post, "/api/admin/plans", #"{"name":"Team\u0000x"}"#, "name"),
                (.post, "/api/admin/plans", #"{"name":"P2","limits":[{"window":"1h","max_requests":1,"model_pattern":"o1\u0000"}]}"#,
                 "limits[0].model_pattern"),
                (.post, "/api/admin/users", #"{"username":"eve","display_name":"E\u0000ve"}"#, "display_name"),
                (.post, "/api/conversations", #"{"title":"a\u0000b"}"#, "title"),
                (.put, "/api/admin/settings", #"{"site_name":"\u0000"}"#, "site_name"),
                (.post, "/api/admin/plans", #"{"na\u0000me":"x"}"#, "na"),
            ]
            for (method, path, body, field) in cases {
                let response = try await app.request(method, path, json: body, session: admin)
                #expect(response.status == .badRequest, "\(path) \(body): \(response.text)")
                #expect(response.errorCode == "invalid_request", "\(path) \(body)")
                #expect(response.text.contains("field '\(field)"), "\(path) \(body): \(response.text)")
            }
            // An escaped backslash followed by "u0000" is plain text, not NUL.
            let literal = try await app.request(.post, "/api/conversations", json: #"{"title":"a\\u0000b"}"#, session: admin)
            #expect(literal.status == .created, "\(literal.text)")
            let plans = try await app.request(.get, "/api/admin/plans", session: admin).json()["plans"] as? [[String: Any]]
            #expect(plans?.map { $0["name"] as? String } == ["Team"])
        }
    }

    /// Before: a body without Content-Type was parsed as JSON anyway.
    @Test func aBodyNotDeclaredAsJSONIs415() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let body = ByteBuffer(string: #"{"name":"NoType"}"#)
            var headers: HTTPFields = [.cookie: "cm_session=\(admin.token)", .xCSRFToken: admin.csrf]
            let none = try await app.client.executeRequest(uri: "/api/admin/plans", method: .post, headers: headers, body: body)
            #expect(none.status == .unsupportedMediaType)
            #expect(none.errorCode == "unsupported_media_type")
            for type in ["text/plain", "application/x-www-form-urlencoded", "application/jsonp", "text/json"] {
                headers[.contentType] = type
                let response = try await app.client.executeRequest(uri: "/api/admin/plans", method: .post, headers: headers, body: body)
                #expect(response.status == .unsupportedMediaType, "\(type)")
            }
            for type in ["application/json; charset=utf-8", "Application/JSON"] {
                headers[.contentType] = type
                let response = try await app.client.executeRequest(
                    uri: "/api/admin/plans", method: .post, headers: headers, body: ByteBuffer(string: #"{"name":"\#(type)"}"#))
                #expect(response.status == .created, "\(type)")
            }
            let login = try await app.client.executeRequest(
                uri: "/api/auth/login", method: .post, headers: [:], body: ByteBuffer(string: #"{"username":"admin","password":"x"}"#))
            #expect(login.status == .unsupportedMediaType)
        }
    }
}
