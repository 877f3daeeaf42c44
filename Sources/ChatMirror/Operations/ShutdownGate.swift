import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// The first step of a graceful shutdown, while the listener still accepts connections: new turns and `/v1`
/// calls get 503 `shutting_down` (with `Retry-After`), the answers in flight get the grace period to finish, then
/// are stopped (`finish_reason: "shutdown"`), each stream ending with its final event; only then does the server
/// close its listener and connections.
final class ShutdownGate: Sendable {
    private struct State {
        var accepting = true
        var inFlight = 0
        var draining: Task<Void, Never>?
    }

    private let state = Mutex(State())
    /// Fires when the grace period is over: what is still running stops.
    let graceOver = OneShotSignal()
    /// Fires when nothing is in flight any more after draining began.
    private let idle = OneShotSignal()
    private let grace: Duration
    /// How long stopped answers get to save themselves and send their final events.
    private let settleTime: Duration
    private let logger: Logger

    init(graceSeconds: Double, settleTime: Duration = .seconds(5), logger: Logger) {
        grace = .milliseconds(Int(graceSeconds * 1000))
        self.settleTime = settleTime
        self.logger = logger
    }

    static let refusal = AppError(.serviceUnavailable, "shutting_down", "the server is restarting; try again in a moment",
                                  headers: [.retryAfter: "5"])

    /// Counts a call in until `leave`; throws the 503 once draining began.
    func enter() throws {
        try state.withLock { state in
            guard state.accepting else { throw Self.refusal }
            state.inFlight += 1
        }
    }

    func leave() {
        let nowIdle = state.withLock { state -> Bool in
            state.inFlight = max(0, state.inFlight - 1)
            return !state.accepting && state.inFlight == 0
        }
        if nowIdle { idle.fire() }
    }

    /// Calls and answers in flight.
    var inFlight: Int { state.withLock { $0.inFlight } }

    /// Returns `.shutdown` when the grace period is over (for `ActiveCall.drain`'s `stop`).
    var stopAtGraceEnd: @Sendable () async -> StopReason {
        { [graceOver] in
            await graceOver.wait()
            return .shutdown
        }
    }

    /// Stops admitting, waits for what is in flight (at most the grace period, then stops it and waits for it to
    /// settle). Started once; every caller waits for the same drain.
    func drain() async {
        let task = state.withLock { state -> Task<Void, Never> in
            if let draining = state.draining { return draining }
            state.accepting = false
            let nothingInFlight = state.inFlight == 0
            let task = Task { [self] in
                if nothingInFlight { idle.fire() }
                await runDrain()
            }
            state.draining = task
            return task
        }
        await task.value
    }

    private func runDrain() async {
        if !idle.hasFired {
            logger.info("shutting down: waiting for the answers in flight", metadata: ["chat.in_flight": "\(inFlight)"])
        }
        if await idle.wait(atMost: grace) { return }
        logger.info("shutting down: the grace period is over, stopping the answers in flight", metadata: ["chat.in_flight": "\(inFlight)"])
        graceOver.fire()
        if await !idle.wait(atMost: settleTime) {
            logger.warning("shutting down: answers still settling", metadata: ["chat.in_flight": "\(inFlight)"])
        }
    }
}

/// Runs the gate's drain on the first shutdown signal; placed so it is signalled before the HTTP server, which
/// keeps its listener open meanwhile.
struct ShutdownGateService: Service {
    let gate: ShutdownGate

    func run() async throws {
        try? await gracefulShutdown()
        await gate.drain()
    }
}

/// Counts `/v1` calls in and out of the gate: a call is in flight until its response body is written.
struct ShutdownGateMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let gate: ShutdownGate

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post else { return try await next(request, context) }
        try gate.enter()
        let ticket = GateTicket(gate: gate)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            ticket.leave()
            throw error
        }
        guard response.body.contentLength == nil else {
            ticket.leave()
            return response
        }
        let body = response.body
        response.body = ResponseBody { writer in
            defer { ticket.leave() }
            try await body.write(writer)
        }
        return response
    }
}

/// One call counted in; leaves once, at the latest when nobody holds it any more (a body that is never written).
final class GateTicket: Sendable {
    private let gate: ShutdownGate
    private let left = Mutex(false)

    init(gate: ShutdownGate) { self.gate = gate }

    func leave() {
        let first = left.withLock { left -> Bool in
            defer { left = true }
            return !left
        }
        if first { gate.leave() }
    }

    deinit { leave() }
}
