import Foundation

/// Wire protocol of an upstream account.
public enum UpstreamProvider: String, Sendable, Codable, CaseIterable { case openai, anthropic }
/// Health of an upstream account.
public enum AccountStatus: String, Sendable, Codable, CaseIterable { case active, disabled, cooling, failing }

/// An upstream LLM account as stored (credential sealed).
public struct UpstreamAccount: Sendable, Decodable, Equatable {
    public let id: Int
    public var name: String
    public var provider: String
    public var baseUrl: String
    public var sealedCredential: String?
    public var credentialHint: String?
    public var models: String
    public var modelAliases: String?
    public var weight: Int
    public var maxConcurrency: Int
    public var pool: String
    public var planId: Int?
    public var proxyUrl: String?
    public var status: String
    public var statusReason: String?
    public var cooldownUntil: Int?
    public var consecutiveFailures: Int
    public var lastCheckAt: Int?
    public var lastLatencyMs: Int?
    public var createdAt: Int
    public var updatedAt: Int
    /// JSON list of the models (names users see) the upstream said it does not have; off for this account.
    public var disabledModels: String? = nil
    /// JSON of the account's `RelayOptions` (capabilities, `max_tokens` spelling, allowed extra fields).
    public var relayOptions: String? = nil

    /// How requests are relayed to this account.
    var options: RelayOptions { RelayOptions(json: relayOptions) }
    /// The proxy URL with its credentials, sealed under the master key (`proxyUrl` then shows `***` for the password).
    public var sealedProxyUrl: String? = nil

    /// The models this account serves.
    var modelList: [String] {
        (try? JSONDecoder().decode([String].self, from: Data(models.utf8))) ?? []
    }

    /// Name users see → upstream's model id.
    var aliasMap: [String: String] {
        guard let modelAliases else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: Data(modelAliases.utf8))) ?? [:]
    }

    /// Models turned off because the upstream said they do not exist.
    var disabledModelList: [String] {
        guard let disabledModels else { return [] }
        return (try? JSONDecoder().decode([String].self, from: Data(disabledModels.utf8))) ?? []
    }

    /// Whether this account offers `model` (by its own id or by an alias) and has not turned it off.
    func serves(_ model: String) -> Bool {
        (modelList.contains(model) || aliasMap[model] != nil) && !disabledModelList.contains(model)
    }

    /// The models users can reach through this account: its own ids and aliases, less the ones turned off.
    var offeredModels: [String] {
        let disabled = Set(disabledModelList)
        return (modelList + aliasMap.keys.sorted()).filter { !disabled.contains($0) }
    }

    /// The id to send upstream for a model users asked for.
    func upstreamModel(for model: String) -> String { aliasMap[model] ?? model }
}

/// An account as the admin API shows it (never the key).
struct AccountView: Encodable {
    let id: Int
    let name: String
    let provider: String
    let baseUrl: String
    let apiKeyMasked: String?
    let models: [String]
    let modelAliases: [String: String]
    let weight: Int
    let maxConcurrency: Int
    let pool: String
    let planId: Int?
    let proxyUrl: String?
    let disabledModels: [String]
    let capabilities: [String]
    let maxTokensParam: String
    let extraFields: [String]
    let status: String
    let statusReason: String?
    let cooldownUntil: String?
    let lastCheckAt: String?
    let lastLatencyMs: Int?
    let createdAt: String?
    let updatedAt: String?

    init(_ account: UpstreamAccount) {
        id = account.id
        name = account.name
        provider = account.provider
        baseUrl = account.baseUrl
        apiKeyMasked = account.credentialHint
        models = account.modelList
        modelAliases = account.aliasMap
        weight = account.weight
        maxConcurrency = account.maxConcurrency
        pool = account.pool
        planId = account.planId
        proxyUrl = UpstreamProxy.masked(account.proxyUrl)
        disabledModels = account.disabledModelList
        let options = account.options
        capabilities = options.capabilities.map(\.rawValue)
        maxTokensParam = options.maxTokensParam.rawValue
        extraFields = options.extraFields
        status = account.status
        statusReason = account.statusReason
        cooldownUntil = ISOTime.string(millis: account.cooldownUntil)
        lastCheckAt = ISOTime.string(millis: account.lastCheckAt)
        lastLatencyMs = account.lastLatencyMs
        createdAt = ISOTime.string(millis: account.createdAt)
        updatedAt = ISOTime.string(millis: account.updatedAt)
    }
}
