import Foundation
import Hummingbird

/// Admin routes for upstream accounts; keys are sealed on write and never returned.
struct AdminAccountsController {
    let accounts: AccountRepository
    let sealer: KeySealer
    let adapters: UpstreamAdapters
    let audit: AuditLog
    let clock: any AppClock
    let config: AppConfig

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("accounts", use: listAccounts)
        group.post("accounts", use: createAccount)
        group.get("accounts/:id", use: getAccount)
        group.patch("accounts/:id", use: updateAccount)
        group.delete("accounts/:id", use: deleteAccount)
        group.post("accounts/:id/test", use: testAccount)
    }

    struct AccountBody: Decodable {
        let name: String?
        let provider: String?
        let baseUrl: String?
        let apiKey: String?
        let models: [String]?
        let modelAliases: [String: String]?
        let weight: Int?
        let maxConcurrency: Int?
        let pool: String?
        let status: String?
        let proxyUrl: String?
        let capabilities: [String]?
        let maxTokensParam: String?
        let extraFields: [String]?
    }

    private func accountId(_ context: AppRequestContext) throws -> Int {
        guard let id = context.parameters.get("id", as: Int.self) else { throw AppError.notFound("account") }
        return id
    }

    @Sendable func listAccounts(_ request: Request, context: AppRequestContext) async throws -> Response {
        struct Body: Encodable { let accounts: [AccountView] }
        return try JSONResponse.make(Body(accounts: try await accounts.all().map(AccountView.init)))
    }

    @Sendable func getAccount(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let account = try await accounts.find(id: try accountId(context)) else { throw AppError.notFound("account") }
        return try JSONResponse.make(AccountView(account))
    }

    @Sendable func createAccount(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        let body = try await request.decodeJSON(AccountBody.self, limit: 262_144)
        guard body.name != nil else { throw AppError.invalid("field 'name' is required") }
        guard body.baseUrl != nil else { throw AppError.invalid("field 'base_url' is required") }
        guard body.models != nil else { throw AppError.invalid("field 'models' is required") }
        let now = clock.nowMillis()
        var account = UpstreamAccount(
            id: 0, name: "", provider: UpstreamProvider.openai.rawValue, baseUrl: "", sealedCredential: nil, credentialHint: nil,
            models: "[]", modelAliases: nil, weight: 1, maxConcurrency: 0, pool: "shared", planId: nil, proxyUrl: nil,
            status: AccountStatus.active.rawValue, statusReason: nil, cooldownUntil: nil, consecutiveFailures: 0,
            lastCheckAt: nil, lastLatencyMs: nil, createdAt: now, updatedAt: now)
        try apply(body, to: &account)
        var created = try await accounts.create(account)
        if account.relayOptions != nil {
            try await accounts.setRelayOptions(id: created.id, account.relayOptions)
            created.relayOptions = account.relayOptions
        }
        try await audit.record(actor: admin, action: "account.create", target: "account:\(created.id)", ip: context.clientIP,
                               details: ["name": .string(created.name), "base_url": .string(created.baseUrl)])
        return try JSONResponse.make(AccountView(created), status: .created)
    }

    @Sendable func updateAccount(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        let body = try await request.decodeJSON(AccountBody.self, limit: 262_144)
        guard var account = try await accounts.find(id: try accountId(context)) else { throw AppError.notFound("account") }
        let before = account
        let keyChanged = body.apiKey != nil
        try apply(body, to: &account)
        try await accounts.update(account, from: before, setsStatus: body.status != nil)
        if keyChanged, body.status == nil {
            // A new key ends a "credential refused" state, if the account is still in it.
            _ = try await accounts.transition(id: account.id, from: .failing, to: .active, reason: nil, cooldownUntil: nil, failures: .reset)
        }
        if account.relayOptions != before.relayOptions { try await accounts.setRelayOptions(id: account.id, account.relayOptions) }
        account = try await accounts.find(id: account.id) ?? account
        try await audit.recordChange(actor: admin, action: "account.update", target: "account:\(account.id)", ip: context.clientIP,
                                     before: AccountView(before), after: AccountView(account),
                                     extra: keyChanged ? ["api_key": .string("(changed)")] : [:])
        return try JSONResponse.make(AccountView(account))
    }

    @Sendable func deleteAccount(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        let id = try accountId(context)
        guard try await accounts.find(id: id) != nil else { throw AppError.notFound("account") }
        try await accounts.delete(id: id)
        try await audit.record(actor: admin, action: "account.delete", target: "account:\(id)", ip: context.clientIP)
        return JSONResponse.noContent()
    }

    /// Asks the upstream for its model list: shows the answer or its exact error.
    @Sendable func testAccount(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let account = try await accounts.find(id: try accountId(context)) else { throw AppError.notFound("account") }
        let started = Date()
        struct Body: Encodable {
            let ok: Bool
            let latencyMs: Int
            let models: [String]?
            let error: String?
            let errorKind: String?
            let status: Int?
        }
        do {
            let apiKey = try account.sealedCredential.map { try sealer.open($0) }
            let models = try await adapters.adapter(for: account).listModels(
                account: account, apiKey: apiKey, timeouts: UpstreamTimeouts(firstByteSeconds: config.upstreamConnectTimeoutSeconds))
            return try JSONResponse.make(Body(ok: true, latencyMs: Int(Date().timeIntervalSince(started) * 1000), models: models,
                                              error: nil, errorKind: nil, status: 200))
        } catch let failure as UpstreamFailure {
            return try JSONResponse.make(Body(ok: false, latencyMs: Int(Date().timeIntervalSince(started) * 1000), models: nil,
                                              error: failure.message, errorKind: failure.kind.rawValue, status: failure.status))
        }
    }

    private func apply(_ body: AccountBody, to account: inout UpstreamAccount) throws {
        if let name = body.name?.trimmingCharacters(in: .whitespaces) {
            guard (1...100).contains(name.count) else { throw AppError.invalid("field 'name' must be 1-100 characters") }
            account.name = name
        }
        if let provider = body.provider {
            guard UpstreamProvider(rawValue: provider) != nil else {
                throw AppError.invalid("field 'provider' must be one of \(UpstreamProvider.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            account.provider = provider
        }
        if let baseURL = body.baseUrl?.trimmingCharacters(in: .whitespaces) {
            guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  url.host?.isEmpty == false
            else { throw AppError.invalid("field 'base_url' must be an http(s) URL, e.g. https://api.openai.com/v1") }
            account.baseUrl = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        }
        if let key = body.apiKey {
            guard key.count <= 4096 else { throw AppError.invalid("field 'api_key' is too long") }
            let trimmed = key.trimmingCharacters(in: .whitespacesAndNewlines)
            account.sealedCredential = trimmed.isEmpty ? nil : try sealer.seal(trimmed)
            account.credentialHint = trimmed.isEmpty ? nil : KeySealer.mask(trimmed)
        }
        if let models = body.models {
            let cleaned = models.map { $0.trimmingCharacters(in: .whitespaces) }
            guard !cleaned.isEmpty else { throw AppError.invalid("field 'models' must name at least one model") }
            guard cleaned.allSatisfy({ (1...200).contains($0.count) }) else { throw AppError.invalid("field 'models' has an empty or too long name") }
            account.models = String(decoding: JSONValue.array(cleaned.map(JSONValue.string)).encoded(), as: UTF8.self)
            account.disabledModels = nil  // the admin has restated what the account serves: every model is on again
        }
        if let aliases = body.modelAliases {
            guard aliases.allSatisfy({ !$0.key.isEmpty && !$0.value.isEmpty }) else {
                throw AppError.invalid("field 'model_aliases' must map names to upstream model ids")
            }
            account.modelAliases = String(decoding: JSONValue.object(aliases.mapValues(JSONValue.string)).encoded(), as: UTF8.self)
        }
        if let weight = body.weight {
            guard (1...1000).contains(weight) else { throw AppError.invalid("field 'weight' must be 1-1000") }
            account.weight = weight
        }
        if let max = body.maxConcurrency {
            guard (0...10_000).contains(max) else { throw AppError.invalid("field 'max_concurrency' must be 0-10000 (0 = unlimited)") }
            account.maxConcurrency = max
        }
        if let pool = body.pool {
            guard ["shared", "dedicated"].contains(pool) else { throw AppError.invalid("field 'pool' must be shared or dedicated") }
            account.pool = pool
        }
        if let status = body.status {
            guard ["active", "disabled"].contains(status) else { throw AppError.invalid("field 'status' must be active or disabled") }
            account.status = status
            account.statusReason = nil
            account.cooldownUntil = nil
            account.consecutiveFailures = 0
        }
        try applyRelayOptions(body, to: &account)
        if let proxy = body.proxyUrl {
            if proxy.isEmpty {
                account.proxyUrl = nil
                account.sealedProxyUrl = nil
            } else if proxy == UpstreamProxy.masked(account.proxyUrl) {
                // the form sent back what it was shown: the stored password stays
            } else {
                do { _ = try UpstreamProxy(parsing: proxy) } catch { throw AppError.invalid("field 'proxy_url': \(error.description)") }
                let url = proxy.trimmingCharacters(in: .whitespaces)
                // Its password is sealed like an API key; the column in clear shows it as ***.
                account.sealedProxyUrl = try AccountRepository.sealedProxy(url, sealer: sealer)
                account.proxyUrl = UpstreamProxy.masked(url)
            }
        }
    }

    /// Capabilities, `max_tokens` spelling and allowed extra fields (see `RelayOptions`).
    private func applyRelayOptions(_ body: AccountBody, to account: inout UpstreamAccount) throws {
        var options = account.options
        if let names = body.capabilities {
            let known = RelayOptions.Capability.allCases.map(\.rawValue)
            options.capabilities = try names.map { name in
                guard let capability = RelayOptions.Capability(rawValue: name) else {
                    throw AppError.invalid("field 'capabilities': '\(String(name.prefix(40)))' is not one of \(known.joined(separator: ", "))")
                }
                return capability
            }
        }
        if let spelling = body.maxTokensParam {
            guard let value = RelayOptions.MaxTokensParam(rawValue: spelling) else {
                throw AppError.invalid("field 'max_tokens_param' must be one of \(RelayOptions.MaxTokensParam.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            options.maxTokensParam = value
        }
        if let fields = body.extraFields {
            guard fields.count <= 50, fields.allSatisfy(OpenAIRequestFields.isAllowableExtra) else {
                throw AppError.invalid("field 'extra_fields' must list at most 50 request field names (letters, digits, _), none of model, messages, stream, user or a credential")
            }
            options.extraFields = fields
        }
        account.relayOptions = options.stored
    }
}
