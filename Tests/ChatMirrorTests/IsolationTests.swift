import Foundation
import HTTPTypes
import Testing
@testable import ChatMirror

@Suite struct IsolationTests {
    @Test func anotherUsersConversationIsA404OnEveryRoute() async throws {
        try await ChatFixture.with { f in
            _ = try await f.send("alice's secret")
            let (_, mallory) = try await f.app.makeUser("mallory", admin: f.admin)
            let id = f.conversation
            let messageId = try #require(try await f.messages().first?["id"] as? String)
            let attempts: [(HTTPRequest.Method, String, String?)] = [
                (.get, "/api/conversations/\(id)", nil),
                (.patch, "/api/conversations/\(id)", #"{"title":"mine now"}"#),
                (.delete, "/api/conversations/\(id)", nil),
                (.post, "/api/conversations/\(id)/messages", #"{"content":"hi"}"#),
                (.post, "/api/conversations/\(id)/regenerate", #"{"message_id":"\#(messageId)"}"#),
                (.get, "/api/conversations/\(id)/stream", nil),
                (.post, "/api/conversations/\(id)/stop", nil),
            ]
            for (method, path, body) in attempts {
                let response = try await f.app.request(method, path, json: body, session: mallory)
                #expect(response.status == .notFound, "\(method) \(path)")
                #expect(response.errorCode == "not_found")
            }
            let list = try await f.app.request(.get, "/api/conversations", session: mallory).json()
            #expect(list["total"] as? Int == 0)
            let search = try await f.app.request(.get, "/api/conversations?q=secret", session: mallory).json()
            #expect(search["total"] as? Int == 0)
            let mine = try await f.app.request(.get, "/api/conversations?q=SECRET", session: f.user).json()
            #expect(mine["total"] as? Int == 1)
            #expect(try await f.messages().count == 2)
            #expect(try await f.conversationBody()["title"] as? String == "alice's secret")
        }
    }

    @Test func conversationsListNewestFirstWithPagingRenameAndDelete() async throws {
        try await Harness.withApp { app in
            let admin = try await app.loginAdmin()
            let (_, user) = try await app.makeUser("paula", admin: admin)
            var ids: [String] = []
            for index in 0..<5 {
                ids.append(try await app.createConversation(user, title: "chat \(index)"))
                try await Task.sleep(for: .milliseconds(3))
            }
            let page = try await app.request(.get, "/api/conversations?limit=2&offset=1", session: user).json()
            let titles = (page["conversations"] as? [[String: Any]])?.compactMap { $0["title"] as? String }
            #expect(titles == ["chat 3", "chat 2"])
            #expect(page["total"] as? Int == 5)
            let renamed = try await app.request(.patch, "/api/conversations/\(ids[0])", json: #"{"title":"renamed"}"#, session: user)
            #expect(try renamed.json()["title"] as? String == "renamed")
            let empty = try await app.request(.patch, "/api/conversations/\(ids[0])", json: #"{"title":""}"#, session: user)
            #expect(empty.status == .badRequest)
            let badLeaf = try await app.request(.patch, "/api/conversations/\(ids[0])", json: #"{"current_leaf_id":"nope"}"#, session: user)
            #expect(badLeaf.status == .badRequest)
            #expect(try await app.request(.delete, "/api/conversations/\(ids[1])", session: user).status == .noContent)
            #expect(try await app.request(.get, "/api/conversations/\(ids[1])", session: user).status == .notFound)
            let badLimit = try await app.request(.get, "/api/conversations?limit=0", session: user)
            #expect(badLimit.status == .badRequest)
        }
    }
}
