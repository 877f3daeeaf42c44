/// Models an upstream said it does not have: off for that account until the admin edits its models.
struct DisabledModelsSchema: Migration {
    let version = 5
    let name = "disabled models per account"

    func statements(for kind: DatabaseKind) -> [String] {
        ["ALTER TABLE upstream_accounts ADD COLUMN disabled_models TEXT"]
    }
}
