import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The application as built by `buildApplication`.
public typealias ChatMirrorApplication = Application<RouterResponder<AppRequestContext>>

/// The one composition root: main and every test build the server here.
public func buildApplication(
    _ config: AppConfig, clock: any AppClock = SystemClock(), console: @escaping @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
) async throws -> ChatMirrorApplication {
    try await assembleApplication(config, clock: clock, console: console).app
}

/// The server as the binary runs it: the application, with the shutdown gate signalled before it (so the listener
/// stays open while the answers in flight finish, and new ones get 503).
public struct ChatMirrorServer: Sendable {
    public let app: ChatMirrorApplication
    let gate: ShutdownGate

    public init(_ config: AppConfig) async throws {
        (app, _, gate) = try await assembleApplication(config, clock: SystemClock(),
                                                       console: { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) })
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully: first the gate's drain, then the application.
    public func runService() async throws {
        try await ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: ShutdownGateService(gate: gate))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: app.logger
        )).run()
    }
}

/// The application, the routes its router registered (the OpenAPI document is checked against them), its gate.
func assembleApplication(
    _ config: AppConfig, clock: any AppClock, console: @escaping @Sendable (String) -> Void
) async throws -> (app: ChatMirrorApplication, routes: [Router<AppRequestContext>.RouteDescription], gate: ShutdownGate) {
    var baseLogger = Logger(label: "chat-mirror")
    baseLogger.logLevel = config.logLevel
    let logger = baseLogger

    if config.databaseURL == nil || config.masterKey == nil { try PrivateFiles.prepareDirectory(config.dataDirectory) }
    let sealer = try KeySealer.load(config: config)
    let (db, postgres) = try await DatabaseFactory.open(config: config, logger: logger)

    var httpConfig = HTTPClient.Configuration()
    httpConfig.timeout = .init(connect: .seconds(Int64(config.upstreamConnectTimeoutSeconds)),
                               read: .seconds(Int64(config.upstreamIdleTimeoutSeconds)))
    httpConfig.decompression = .enabled(limit: .ratio(20))
    let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfig)
    // Upstream calls: as many connections per upstream host as answers in flight (AsyncHTTPClient's default of 8
    // would queue every answer beyond the eighth, site-wide); each account's max_concurrency is the admin's
    // limit. A refused connection fails at once instead of being retried until the connect timeout, so the turn
    // fails over to another account without delay.
    var upstreamConfig = httpConfig
    upstreamConfig.connectionPool = .init(idleTimeout: .seconds(60),
                                          concurrentHTTP1ConnectionsPerHostSoftLimit: config.upstreamMaxConnectionsPerHost)
    upstreamConfig.connectionPool.retryConnectionEstablishment = false
    let upstreamClients = UpstreamClients(configuration: upstreamConfig,
                                          siteProxy: try config.upstreamProxyURL.map { try UpstreamProxy(parsing: $0) }, sealer: sealer)

    let users = UserRepository(db: db, clock: clock)
    let sessions = SessionRepository(db: db, clock: clock)
    let shareLinks = ShareLinkRepository(db: db, clock: clock)
    let accounts = AccountRepository(db: db, clock: clock)
    let calls = OpenCalls(db: db, clock: clock, instanceId: UUID().uuidString.lowercased())
    let conversations = ConversationRepository(db: db, clock: clock, instanceId: calls.instanceId)
    let hasher = PasswordHasher(cost: config.bcryptCost)
    _ = try await hasher.dummyHash()  // made now, so the first unknown-user sign-in takes no longer than the others
    let throttle = LoginThrottle(clock: clock, windowMinutes: config.loginWindowMinutes,
                                 maxPerUser: config.loginMaxFailuresPerUser, maxPerIP: config.loginMaxFailuresPerIP)
    let settings = SettingsRepository(db: db, clock: clock)
    let webhook = WebhookSender(http: http, settings: settings, logger: logger)
    let alerts = AlertRepository(db: db, clock: clock, webhook: webhook)
    let pool = AccountPool(accounts: accounts, alerts: alerts, clock: clock, logger: logger)
    let gate = ShutdownGate(graceSeconds: config.shutdownGraceSeconds, logger: logger)
    let registry = GenerationRegistry(heartbeatSeconds: config.heartbeatSeconds, gate: gate) { running in
        (try? await conversations.touchStreaming(running)) ?? []
    }
    let adapters = UpstreamAdapters(openAI: OpenAIAdapter(clients: upstreamClients), anthropic: AnthropicAdapter(clients: upstreamClients))
    let audit = AuditLog(db: db, clock: clock)
    let plans = PlanRepository(db: db, clock: clock)
    let quota = QuotaEngine(db: db, plans: plans, settings: settings, clock: clock, logger: logger)
    let metrics = AppMetrics()
    let engine = UpstreamCallEngine(pool: pool, adapters: adapters, sealer: sealer, quota: quota, ledger: UsageLedger(db: db),
                                    calls: calls, clock: clock, config: config, logger: logger)
    let chat = ChatService(conversations: conversations, pool: pool, registry: registry, engine: engine, clock: clock,
                           config: config, logger: logger)

    let probe = StoreProbe(db: db, logger: logger)
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: RequestMiddleware(trustProxy: config.trustProxy, trustedProxies: config.trustedProxies, metrics: metrics))
    router.add(middleware: StoreOutageMiddleware(probe: probe))
    HealthController(probe: probe, metrics: metrics, registry: registry).addRoutes(to: router)

    let api = router.group("api").add(middleware: SessionAuthMiddleware(sessions: sessions))
    let authController = AuthController(users: users, sessions: sessions, shareLinks: shareLinks, hasher: hasher,
                                        throttle: throttle, settings: settings, config: config)
    api.post("auth/login", use: authController.login)
    OpenAPIDocument().addRoutes(to: api)
    SiteController(settings: settings).addRoutes(to: api)
    router.get("s/:token", use: authController.openShareLink)
    let signedIn = api.group().add(middleware: RequireUserMiddleware())
    signedIn.post("auth/logout", use: authController.logout)
    signedIn.post("auth/share-link/inspect", use: authController.inspectShareLink)
    signedIn.post("auth/share-link/switch", use: authController.switchByShareLink)
    MeController(users: users, sessions: sessions, hasher: hasher, throttle: throttle, pool: pool, config: config).addRoutes(to: signedIn)
    ChatController(conversations: conversations, chat: chat, registry: registry, config: config).addRoutes(to: signedIn)
    let admin = api.group("admin").add(middleware: RequireUserMiddleware(adminOnly: true))
    AdminUsersController(users: users, sessions: sessions, shareLinks: shareLinks, hasher: hasher, audit: audit,
                         settings: settings, clock: clock, config: config).addRoutes(to: admin)
    AdminAccountsController(accounts: accounts, sealer: sealer, adapters: adapters, audit: audit, clock: clock,
                            config: config).addRoutes(to: admin)

    AdminAlertsController(alerts: alerts, audit: audit).addRoutes(to: admin)
    AdminStatsController(db: db, accounts: accounts, pool: pool, registry: registry, clock: clock).addRoutes(to: admin)
    AdminEventsController(live: LiveStats(db: db, accounts: accounts, pool: pool, registry: registry, clock: clock),
                          alerts: alerts).addRoutes(to: admin)
    AdminBindingsController(db: db, users: users, accounts: accounts, audit: audit, clock: clock).addRoutes(to: admin)
    AdminPlansController(plans: plans, settings: settings, users: users, accounts: accounts, audit: audit).addRoutes(to: admin)
    signedIn.get("me/quota") { _, context in
        struct Body: Encodable { let limits: [LimitStatus] }
        return try JSONResponse.make(Body(limits: try await quota.status(for: try context.requireUser())))
    }
    let apiKeys = APIKeyRepository(db: db, clock: clock)
    APIKeyController(keys: apiKeys, users: users, audit: audit).addRoutes(me: signedIn, admin: admin)
    let v1 = router.group("v1").add(middleware: APIKeyAuthMiddleware(keys: apiKeys)).add(middleware: ShutdownGateMiddleware(gate: gate))
    OpenAIController(pool: pool, engine: engine, clock: clock, config: config, gate: gate).addRoutes(to: v1)
    ResponsesController(pool: pool, engine: engine, clock: clock, config: config, gate: gate).addRoutes(to: v1)
    EmbeddingsController(pool: pool, engine: engine, openAI: OpenAIAdapter(clients: upstreamClients), config: config).addRoutes(to: v1)

    if let root = config.webRoot ?? StaticFiles.bundledRoot() {
        StaticFiles(root: root, reloadEachRequest: config.webRoot != nil).addRoutes(to: router)
    }

    // The probe first: services stop in reverse order, so it stops after the store has closed its connections
    // (a ping stuck on a frozen database ends then).
    var services: [any Service] = [probe]
    if let postgres { services.append(postgres) } else { services.append(DatabaseCloser(db: db)) }
    services.append(HTTPClientService(client: http, upstreamClients: upstreamClients))
    services.append(webhook)
    let sweeper = CallSweeper(calls: calls, conversations: conversations, quota: quota, ledger: UsageLedger(db: db), clock: clock,
                              interval: OpenCalls.heartbeatInterval, logger: logger)
    services.append(sweeper)  // before the registry: it stops after the answers in progress ended
    services.append(QuotaPruner(db: db, clock: clock, interval: .seconds(600), ledgerRetentionDays: config.ledgerRetentionDays,
                                logger: logger))
    services.append(registry)
    services.append(HealthMonitor(accounts: accounts, pool: pool, adapters: adapters, sealer: sealer, clock: clock,
                                  interval: .milliseconds(Int(config.healthIntervalSeconds * 1000)),
                                  timeoutSeconds: config.upstreamConnectTimeoutSeconds, logger: logger))

    var app = Application(
        router: router,
        server: .guardedHTTP1(ConnectionPolicy(config)),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: nil),
        services: services,
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? config.port
            logger.notice("ChatMirror listening", metadata: ["http.address": "http://\(config.host):\(port)"])
            console("ChatMirror is listening on http://\(config.host):\(port)")
        },
        logger: logger
    )
    app.beforeServerStarts {
        try await Bootstrap(db: db, users: users, sweeper: sweeper, accounts: accounts, sealer: sealer, hasher: hasher, config: config,
                            logger: logger, console: console).run()
    }
    return (app, router.routes, gate)
}

/// Closes the SQLite connection after everything that uses it has stopped.
struct DatabaseCloser: Service {
    let db: any AppDatabase

    func run() async throws {
        try? await gracefulShutdown()
        await db.close()
    }
}

/// Shuts the HTTP clients down after everything that uses them.
struct HTTPClientService: Service {
    let client: HTTPClient
    let upstreamClients: UpstreamClients

    func run() async throws {
        try? await gracefulShutdown()
        try await upstreamClients.shutdown()
        try await client.shutdown()
    }
}
