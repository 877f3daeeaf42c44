/// A stop asked for on one instance of an answer another instance is generating.
struct StopRequestsSchema: Migration {
    let version = 6
    let name = "stop requests across instances"

    func statements(for kind: DatabaseKind) -> [String] {
        ["ALTER TABLE messages ADD COLUMN stop_requested_at BIGINT"]
    }
}
