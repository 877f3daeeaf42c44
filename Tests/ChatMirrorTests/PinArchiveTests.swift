import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import ChatMirror

/// Pinning conversations to the top of the sidebar, archiving them out of it, and searching both.
@Suite struct PinArchiveTests {
    /// Titles of `GET path`, in order.
    private func titles(_ f: ChatFixture, _ path: String) async throws -> [String] {
        let list = try await f.app.request(.get, path, session: f.user).json()
        return (list["conversations"] as? [[String: Any]] ?? []).compactMap { $0["title"] as? String }
    }

    private func patch(_ f: ChatFixture, _ id: String, _ json: String, session: TestSession? = nil) async throws -> TestResponse {
        try await f.app.request(.patch, "/api/conversations/\(id)", json: json, session: session ?? f.user)
    }

    /// Conversations "old", "middle", "new", created a second apart (the fixture's own, untitled one is removed).
    private func threeConversations(_ f: ChatFixture, _ clock: ManualClock) async throws -> [String] {
        _ = try await f.app.request(.delete, "/api/conversations/\(f.conversation)", session: f.user)
        var ids: [String] = []
        for title in ["old", "middle", "new"] {
            clock.advance(by: 1)
            ids.append(try await f.app.createConversation(f.user, title: title))
        }
        return ids
    }

    @Test func pinnedConversationsComeFirstUntilUnpinned() async throws {
        let clock = ManualClock()
        try await ChatFixture.with(clock: clock) { f in
            // Set up
            let ids = try await threeConversations(f, clock)
            #expect(try await titles(f, "/api/conversations") == ["new", "middle", "old"])
            // Act
            let pinned = try await patch(f, ids[0], #"{"pinned":true}"#)
            // Check
            #expect(pinned.status == .ok)
            #expect(try pinned.json()["pinned"] as? Bool == true)
            #expect(try pinned.json()["pinned_at"] as? String != nil)
            #expect(try await titles(f, "/api/conversations") == ["old", "new", "middle"])
            _ = try await patch(f, ids[1], #"{"pinned":true}"#)
            #expect(try await titles(f, "/api/conversations") == ["middle", "old", "new"])
            let unpinned = try await patch(f, ids[1], #"{"pinned":false}"#)
            #expect(try unpinned.json()["pinned"] as? Bool == false)
            #expect(try await titles(f, "/api/conversations") == ["old", "new", "middle"])
        }
    }

    @Test func archivingHidesFromTheListAndRestoringBringsBack() async throws {
        let clock = ManualClock()
        try await ChatFixture.with(clock: clock) { f in
            // Set up
            let ids = try await threeConversations(f, clock)
            _ = try await patch(f, ids[0], #"{"pinned":true}"#)
            // Act
            let archived = try await patch(f, ids[0], #"{"archived":true}"#)
            // Check
            #expect(try archived.json()["archived"] as? Bool == true)
            #expect(try archived.json()["pinned"] as? Bool == false, "archiving unpins")
            #expect(try await titles(f, "/api/conversations") == ["new", "middle"])
            #expect(try await titles(f, "/api/conversations?archived=true") == ["old"])
            #expect(try await titles(f, "/api/conversations?archived=false") == ["new", "middle"])
            let pinArchived = try await patch(f, ids[0], #"{"pinned":true}"#)
            #expect(pinArchived.status == .badRequest)
            // Restore
            let restored = try await patch(f, ids[0], #"{"archived":false}"#)
            #expect(try restored.json()["archived"] as? Bool == false)
            #expect(try await titles(f, "/api/conversations") == ["new", "middle", "old"])
            #expect(try await titles(f, "/api/conversations?archived=true") == [])
            let badFilter = try await f.app.request(.get, "/api/conversations?archived=maybe", session: f.user)
            #expect(badFilter.status == .badRequest)
            #expect(try badFilter.json().description.contains("archived"))
        }
    }

    @Test func searchFindsArchivedConversationsAndShowsWhereTheMatchIs() async throws {
        try await ChatFixture.with { f in
            // Set up: a message match in an archived conversation, a title match in a live one.
            let travel = try await f.app.createConversation(f.user, title: "Travel plans")
            let filler = String(repeating: "words before the match ", count: 10)
            _ = try await f.send(filler + "we should visit POMEGRANATE valley in spring and stay for a week or two", to: travel)
            _ = try await patch(f, travel, #"{"archived":true}"#)
            _ = try await f.app.createConversation(f.user, title: "Pomegranate recipes")
            // Act
            let list = try await f.app.request(.get, "/api/conversations?q=pomegranate", session: f.user).json()
            // Check
            let hits = list["conversations"] as? [[String: Any]] ?? []
            #expect(list["total"] as? Int == 2)
            let archivedHit = try #require(hits.first { $0["title"] as? String == "Travel plans" })
            #expect(archivedHit["archived"] as? Bool == true)
            let match = try #require(archivedHit["match"] as? [String: Any])
            #expect(match["in"] as? String == "message")
            let text = try #require(match["text"] as? String)
            #expect(text.contains("POMEGRANATE valley"))
            #expect(text.hasPrefix("…"), "the snippet is cut around the match: \(text)")
            #expect(text.count < 200)
            let userMessage = try #require(try await f.messages(travel).first)
            #expect(match["message_id"] as? String == userMessage["id"] as? String)
            let titleHit = try #require(hits.first { $0["title"] as? String == "Pomegranate recipes" })
            #expect(titleHit["archived"] as? Bool == false)
            #expect((titleHit["match"] as? [String: Any])?["in"] as? String == "title")
            let onlyLive = try await titles(f, "/api/conversations?q=pomegranate&archived=false")
            #expect(onlyLive == ["Pomegranate recipes"])
            let plain = try await f.app.request(.get, "/api/conversations", session: f.user).json()
            #expect((plain["conversations"] as? [[String: Any]])?.allSatisfy { $0["match"] == nil } == true)
        }
    }

    @Test func anotherUsersConversationCannotBePinnedOrArchived() async throws {
        try await ChatFixture.with { f in
            let (_, mallory) = try await f.app.makeUser("mallory", admin: f.admin)
            for body in [#"{"pinned":true}"#, #"{"archived":true}"#] {
                let response = try await patch(f, f.conversation, body, session: mallory)
                #expect(response.status == .notFound)
            }
            let archived = try await f.app.request(.get, "/api/conversations?archived=true", session: mallory).json()
            #expect(archived["total"] as? Int == 0)
            #expect(try await f.conversationBody()["archived"] as? Bool == false)
        }
    }

    @Test(arguments: ["pinned", "archived"])
    func aNonBooleanFlagIsRefusedNamingTheField(field: String) async throws {
        try await ChatFixture.with { f in
            for value in [#""yes""#, "1", "null"] {
                let response = try await patch(f, f.conversation, #"{"\#(field)":\#(value)}"#)
                #expect(response.status == .badRequest, "\(field): \(value)")
                let message = try #require((try response.json()["error"] as? [String: Any])?["message"] as? String)
                #expect(message.contains("'\(field)'"), "\(message)")
            }
        }
    }
}
