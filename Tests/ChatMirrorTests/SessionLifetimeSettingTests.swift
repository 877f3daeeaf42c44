import Foundation
import HTTPTypes
import Testing
@testable import ChatMirror

@Suite struct SessionLifetimeSettingTests {
    @Test func theSiteSessionLifetimeAppliesToNewSignInsAndIsChecked() async throws {
        try await Harness.withApp { app in
            // setup
            let admin = try await app.loginAdmin()
            let (_, _) = try await app.makeUser("sessioned", admin: admin)
            // act: bad values are refused by name, nothing is saved
            for bad in [#"{"session_lifetime_hours":0}"#, #"{"session_lifetime_hours":87601}"#, #"{"session_lifetime_hours":"a"}"#,
                        #"{"session_lifetime_hours":24,"webhook_url":"ftp://x"}"#] {
                let refused = try await app.request(.put, "/api/admin/settings", json: bad, session: admin)
                #expect(refused.status == .badRequest, "\(bad)")
                #expect(refused.text.contains("session_lifetime_hours") || refused.text.contains("webhook_url"), "\(bad): \(refused.text)")
            }
            #expect(try await app.request(.get, "/api/admin/settings", session: admin).json()["session_lifetime_hours"] == nil)
            let saved = try await app.request(.put, "/api/admin/settings", json: #"{"session_lifetime_hours":24}"#, session: admin)
            // check: the setting reads back and a new sign-in's cookie lives 24 hours
            #expect(try saved.json()["session_lifetime_hours"] as? Int == 24)
            #expect(try await app.request(.get, "/api/admin/settings", session: admin).json()["session_lifetime_hours"] as? Int == 24)
            let login = try await app.request(.post, "/api/auth/login", json: #"{"username":"sessioned","password":"password-sessioned"}"#)
            #expect(login.headers[.setCookie]?.contains("Max-Age=86400") == true)
        }
    }
}
