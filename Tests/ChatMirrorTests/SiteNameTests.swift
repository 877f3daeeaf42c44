import Foundation
import HTTPTypes
import Testing
@testable import ChatMirror

@Suite struct SiteNameTests {
    @Test func theSiteNameAnAdminSetsIsPublicBeforeSignIn() async throws {
        try await Harness.withApp { app in
            // setup
            let admin = try await app.loginAdmin()
            let before = try await app.request(.get, "/api/site")
            // act
            let saved = try await app.request(.put, "/api/admin/settings", json: #"{"site_name":"Acme 助手"}"#, session: admin)
            let after = try await app.request(.get, "/api/site")
            // check: anyone (no session) reads the default, then the admin's name
            #expect(before.status == .ok)
            #expect(try before.json()["site_name"] as? String == "ChatMirror")
            #expect(saved.status == .ok)
            #expect(try after.json()["site_name"] as? String == "Acme 助手")
        }
    }
}
