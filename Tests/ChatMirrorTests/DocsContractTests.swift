import Foundation
import Testing
@testable import ChatMirror

/// docs/api.md names the fields the server sends: every field of a message, a conversation and an account that
/// the server sends is documented there, and every documented non-null field is sent.
@Suite struct DocsContractTests {
    static let apiDoc: String = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/api.md")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }()

    /// The top-level keys of the shape documented as `` `Name` = `{...}` ``, and those documented as possibly null.
    static func documented(_ name: String) -> (keys: Set<String>, nullable: Set<String>) {
        guard let start = apiDoc.range(of: "`\(name)` = `{") else { return ([], []) }
        var keys = Set<String>()
        var nullable = Set<String>()
        var depth = 1
        var expectKey = true
        var index = start.upperBound
        var lastKey: String?
        while index < apiDoc.endIndex, depth > 0 {
            let character = apiDoc[index]
            switch character {
            case "{", "[": depth += 1
            case "}", "]": depth -= 1
            case ",": if depth == 1 { expectKey = true }
            case "\"":
                let rest = apiDoc[apiDoc.index(after: index)...]
                guard let close = rest.firstIndex(of: "\"") else { return (keys, nullable) }
                let word = String(rest[..<close])
                if depth == 1, expectKey {
                    keys.insert(word)
                    lastKey = word
                    expectKey = false
                }
                index = close
            case "|":
                if depth == 1, apiDoc[index...].hasPrefix("|null"), let lastKey { nullable.insert(lastKey) }
            default: break
            }
            index = apiDoc.index(after: index)
        }
        return (keys, nullable)
    }

    private func check(_ shape: String, _ sent: [String: Any]) {
        let (keys, nullable) = Self.documented(shape)
        #expect(!keys.isEmpty, "docs/api.md documents `\(shape)`")
        let sentKeys = Set(sent.keys)
        #expect(sentKeys.subtracting(keys).isEmpty, "\(shape) sends undocumented fields \(sentKeys.subtracting(keys).sorted())")
        let missing = keys.subtracting(sentKeys).subtracting(nullable)
        #expect(missing.isEmpty, "\(shape) documents fields it does not send: \(missing.sorted())")
    }

    @Test func messagesConversationsAndAccountsSendExactlyTheDocumentedFields() async throws {
        try await ChatFixture.with { f in
            _ = try await f.send("hello [[mock:reasoning=deepseek]]")
            let body = try await f.conversationBody()
            let messages = try #require(body["messages"] as? [[String: Any]])
            for message in messages { check("Message", message) }
            let list = try await f.app.request(.get, "/api/conversations", session: f.user).json()
            for conversation in list["conversations"] as? [[String: Any]] ?? [] { check("Conversation", conversation) }
            let accounts = try await f.app.request(.get, "/api/admin/accounts", session: f.admin).json()
            for account in accounts["accounts"] as? [[String: Any]] ?? [] { check("Account", account) }
        }
    }
}
