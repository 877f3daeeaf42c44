import Foundation
import Hummingbird

/// Admin routes for plans, global and per-user limits, plan assignment, and site settings.
struct AdminPlansController {
    let plans: PlanRepository
    let settings: SettingsRepository
    let users: UserRepository
    let accounts: AccountRepository
    let audit: AuditLog

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("plans", use: listPlans)
        group.post("plans", use: createPlan)
        group.get("plans/:id", use: getPlan)
        group.patch("plans/:id", use: updatePlan)
        group.delete("plans/:id", use: deletePlan)
        group.get("limits/global", use: getGlobal)
        group.put("limits/global", use: putGlobal)
        group.get("users/:id/limits", use: getUserLimits)
        group.put("users/:id/limits", use: putUserLimits)
        group.put("users/:id/plan", use: putUserPlan)
        group.put("accounts/:id/plan", use: putAccountPlan)
        group.get("settings", use: getSettings)
        group.put("settings", use: putSettings)
    }

    struct PlanBody: Decodable {
        let name: String?
        let description: String?
        let limits: [LimitBody]?
    }

    struct LimitsBody: Decodable { let limits: [LimitBody] }
    struct PlanIdBody: Decodable { let planId: Int? }

    struct PlanView: Encodable {
        let id: Int
        let name: String
        let description: String
        let limits: [LimitBody]
        let users: Int
        let accounts: Int
    }

    private func view(_ plan: Plan) async throws -> PlanView {
        let limits = try await plans.limits([(.plan, plan.id)]).map(LimitBody.init)
        let usage = try await plans.usage(planId: plan.id)
        return PlanView(id: plan.id, name: plan.name, description: plan.description, limits: limits, users: usage.users, accounts: usage.accounts)
    }

    private func id(_ context: AppRequestContext, _ what: String) throws -> Int {
        guard let id = context.parameters.get("id", as: Int.self) else { throw AppError.notFound(what) }
        return id
    }

    private static func validate(_ limits: [LimitBody]) throws {
        guard limits.count <= 50 else { throw AppError.invalid("field 'limits' may hold at most 50 limits") }
        for (index, limit) in limits.enumerated() { try limit.validate(index: index) }
    }

    @Sendable func listPlans(_ request: Request, context: AppRequestContext) async throws -> Response {
        struct Body: Encodable { let plans: [PlanView] }
        var views: [PlanView] = []
        for plan in try await plans.plans() { views.append(try await view(plan)) }
        return try JSONResponse.make(Body(plans: views))
    }

    @Sendable func getPlan(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let plan = try await plans.plan(id: try id(context, "plan")) else { throw AppError.notFound("plan") }
        return try JSONResponse.make(try await view(plan))
    }

    @Sendable func createPlan(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        let body = try await request.decodeJSON(PlanBody.self, limit: 262_144)
        let name = body.name?.trimmingCharacters(in: .whitespaces) ?? ""
        guard (1...100).contains(name.count) else { throw AppError.invalid("field 'name' must be 1-100 characters") }
        try Self.validate(body.limits ?? [])
        let planId = try await plans.save(id: nil, name: name, description: body.description ?? "", limits: body.limits ?? [])
        try await audit.record(actor: admin, action: "plan.create", target: "plan:\(planId)", ip: context.clientIP, details: ["name": .string(name)])
        guard let plan = try await plans.plan(id: planId) else { throw AppError.notFound("plan") }
        return try JSONResponse.make(try await view(plan), status: .created)
    }

    @Sendable func updatePlan(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        let body = try await request.decodeJSON(PlanBody.self, limit: 262_144)
        guard let plan = try await plans.plan(id: try id(context, "plan")) else { throw AppError.notFound("plan") }
        let name = body.name?.trimmingCharacters(in: .whitespaces) ?? plan.name
        guard (1...100).contains(name.count) else { throw AppError.invalid("field 'name' must be 1-100 characters") }
        let limits: [LimitBody]
        if let given = body.limits { limits = given } else { limits = try await plans.limits([(.plan, plan.id)]).map(LimitBody.init) }
        try Self.validate(limits)
        let before = try await view(plan)
        _ = try await plans.save(id: plan.id, name: name, description: body.description ?? plan.description, limits: limits)
        guard let updated = try await plans.plan(id: plan.id) else { throw AppError.notFound("plan") }
        let after = try await view(updated)
        try await audit.recordChange(actor: admin, action: "plan.update", target: "plan:\(plan.id)", ip: context.clientIP,
                                     before: before, after: after)
        return try JSONResponse.make(after)
    }

    @Sendable func deletePlan(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        let planId = try id(context, "plan")
        guard let plan = try await plans.plan(id: planId) else { throw AppError.notFound("plan") }
        try await plans.deletePlan(id: planId)
        accounts.invalidate()  // accounts on that plan now have none
        try await audit.record(actor: admin, action: "plan.delete", target: "plan:\(planId)", ip: context.clientIP,
                               details: ["name": .string(plan.name)])
        return JSONResponse.noContent()
    }

    @Sendable func getGlobal(_ request: Request, context: AppRequestContext) async throws -> Response {
        try JSONResponse.make(["limits": try await plans.limits([(.global, 0)]).map(LimitBody.init)])
    }

    @Sendable func putGlobal(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        let body = try await request.decodeJSON(LimitsBody.self, limit: 262_144)
        try Self.validate(body.limits)
        let before = try await plans.limits([(.global, 0)]).map(LimitBody.init)
        try await plans.setLimits(scope: .global, scopeId: 0, limits: body.limits)
        try await audit.recordChange(actor: admin, action: "limits.global", target: nil, ip: context.clientIP,
                                     before: ["limits": before], after: ["limits": body.limits])
        return try JSONResponse.make(["limits": body.limits])
    }

    @Sendable func getUserLimits(_ request: Request, context: AppRequestContext) async throws -> Response {
        let userId = try id(context, "user")
        guard try await users.find(id: userId) != nil else { throw AppError.notFound("user") }
        return try JSONResponse.make(["limits": try await plans.limits([(.user, userId)]).map(LimitBody.init)])
    }

    @Sendable func putUserLimits(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        let userId = try id(context, "user")
        guard try await users.find(id: userId) != nil else { throw AppError.notFound("user") }
        let body = try await request.decodeJSON(LimitsBody.self, limit: 262_144)
        try Self.validate(body.limits)
        let before = try await plans.limits([(.user, userId)]).map(LimitBody.init)
        try await plans.setLimits(scope: .user, scopeId: userId, limits: body.limits)
        try await audit.recordChange(actor: admin, action: "limits.user", target: "user:\(userId)", ip: context.clientIP,
                                     before: ["limits": before], after: ["limits": body.limits])
        return try JSONResponse.make(["limits": body.limits])
    }

    @Sendable func putUserPlan(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        guard let before = try await users.find(id: try id(context, "user")) else { throw AppError.notFound("user") }
        let body = try await request.decodeJSON(PlanIdBody.self, limit: 16_384)
        if let planId = body.planId, try await plans.plan(id: planId) == nil { throw AppError.invalid("field 'plan_id': no such plan") }
        let user = try await users.adminUpdate(id: before.id, UserChanges(planId: .some(body.planId)), by: admin)
        try await audit.recordChange(actor: admin, action: "user.plan", target: "user:\(user.id)", ip: context.clientIP,
                                     before: UserView(before), after: UserView(user))
        return try JSONResponse.make(UserView(user))
    }

    @Sendable func putAccountPlan(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        guard let before = try await accounts.find(id: try id(context, "account")) else { throw AppError.notFound("account") }
        let body = try await request.decodeJSON(PlanIdBody.self, limit: 16_384)
        if let planId = body.planId, try await plans.plan(id: planId) == nil { throw AppError.invalid("field 'plan_id': no such plan") }
        var account = before
        account.planId = body.planId
        try await accounts.update(account, from: before)
        try await audit.recordChange(actor: admin, action: "account.plan", target: "account:\(account.id)", ip: context.clientIP,
                                     before: AccountView(before), after: AccountView(account))
        return try JSONResponse.make(AccountView(account))
    }

    @Sendable func getSettings(_ request: Request, context: AppRequestContext) async throws -> Response {
        try JSONResponse.make(try await settings.load())
    }

    struct SettingsBody: Decodable {
        let siteName: String?
        let timezone: String?
        let defaultPlanId: Int??
        let defaultAccessMode: String?
        let webhookUrl: String?
        let sessionLifetimeHours: Int?
    }

    @Sendable func putSettings(_ request: Request, context: AppRequestContext) async throws -> Response {
        let admin = try context.requireUser()
        let body = try await request.decodeJSON(SettingsBody.self, limit: 16_384)
        var current = try await settings.load()
        let before = current
        if let name = body.siteName {
            guard (1...100).contains(name.count) else { throw AppError.invalid("field 'site_name' must be 1-100 characters") }
            current.siteName = name
        }
        if let zone = body.timezone {
            guard TimeZone(identifier: zone) != nil else { throw AppError.invalid("field 'timezone' is not a time zone (e.g. Asia/Shanghai)") }
            current.timezone = zone
        }
        if let planId = body.defaultPlanId {
            if let planId, try await plans.plan(id: planId) == nil { throw AppError.invalid("field 'default_plan_id': no such plan") }
            current.defaultPlanId = planId
        }
        if let mode = body.defaultAccessMode {
            guard AccessMode(rawValue: mode) != nil else { throw AppError.invalid("field 'default_access_mode' must be dedicated, shared or mixed") }
            current.defaultAccessMode = mode
        }
        if let hook = body.webhookUrl {
            if hook.isEmpty {
                current.webhookURL = nil
            } else {
                guard let url = URL(string: hook), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                    throw AppError.invalid("field 'webhook_url' must be an http(s) URL")
                }
                current.webhookURL = hook
            }
        }
        if let hours = body.sessionLifetimeHours {
            guard (1...87_600).contains(hours) else { throw AppError.invalid("field 'session_lifetime_hours' must be 1-87600") }
            current.sessionLifetimeHours = hours
        }
        try await settings.save(current)
        try await audit.recordChange(actor: admin, action: "settings.update", target: nil, ip: context.clientIP,
                                     before: before, after: current)
        return try JSONResponse.make(current)
    }
}
