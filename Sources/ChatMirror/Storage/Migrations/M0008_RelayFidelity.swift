/// What the full-fidelity relay keeps: an answer's thinking beside its text, and per-account relay options
/// (capabilities, how `max_tokens` is spelled, extra request fields the admin allows).
struct RelayFidelitySchema: Migration {
    let version = 8
    let name = "reasoning text and relay options"

    func statements(for kind: DatabaseKind) -> [String] {
        [
            "ALTER TABLE messages ADD COLUMN reasoning TEXT",
            "ALTER TABLE upstream_accounts ADD COLUMN relay_options TEXT",
        ]
    }
}
