/// Conversations pinned to the top of the sidebar (`archived` exists since the first schema), and an index for
/// the sidebar's list: a user's conversations, archived or not, pinned first, newest first.
struct PinnedConversationsSchema: Migration {
    let version = 11
    let name = "pinned conversations"

    func statements(for kind: DatabaseKind) -> [String] {
        [
            "ALTER TABLE conversations ADD COLUMN pinned_at BIGINT",
            "CREATE INDEX conversations_user_list ON conversations(user_id, archived, updated_at)",
        ]
    }
}
