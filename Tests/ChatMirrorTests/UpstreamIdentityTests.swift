import Foundation
import HTTPTypes
import MockUpstream
import Testing
@testable import ChatMirror

/// What an upstream learns about who is asking: nothing, or (when the operator turns it on) an opaque per-user id.
@Suite struct UpstreamIdentityTests {
    /// The `user` field of the last request the mock received.
    private func sentUser(_ f: ChatFixture) throws -> String? {
        let body = try #require(f.mock.state.snapshot.lastRequestBody)
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return object?["user"] as? String
    }

    @Test func byDefaultNoUserIdentifierIsSent() async throws {
        try await ChatFixture.with { f in
            _ = try await f.send("hello")
            #expect(try sentUser(f) == nil)
            #expect(f.mock.state.snapshot.lastRequestBody?.contains("alice") == false)
        }
    }

    @Test func whenTurnedOnEachUserIsAStableOpaqueIdAndAClientsOwnUserFieldIsReplaced() async throws {
        try await ChatFixture.with(configure: { $0.upstreamSendUserId = true }) { f in
            // act: alice twice (web), bob once, alice once more through /v1 naming a "user" of her own
            _ = try await f.send("one")
            let alice = try sentUser(f)
            _ = try await f.send("two", to: try await f.app.createConversation(f.user))
            let aliceAgain = try sentUser(f)
            let (_, bob) = try await f.app.makeUser("bob", admin: f.admin)
            _ = try await f.send("three", to: try await f.app.createConversation(bob), session: bob)
            let bobs = try sentUser(f)
            let created = try await f.app.request(.post, "/api/me/api-keys", json: #"{"name":"cli"}"#, session: f.user)
            let key = try #require(try created.json()["key"] as? String)
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(key)"
            let completion = try await f.app.request(
                .post, "/v1/chat/completions",
                json: #"{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}],"user":"alice@example.com"}"#, headers: headers)
            #expect(completion.status == .ok)
            let viaAPI = try sentUser(f)

            // check: stable per user, different between users, and nothing that names them
            let id = try #require(alice)
            #expect(id.hasPrefix("cm-") && id.count == 27)
            #expect(aliceAgain == id)
            #expect(viaAPI == id)
            #expect(bobs != nil && bobs != id)
            #expect(f.mock.state.snapshot.lastRequestBody?.contains("alice") == false)
        }
    }
}
