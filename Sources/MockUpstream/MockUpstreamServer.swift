import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the mock upstream application: OpenAI (chat, responses, embeddings), Anthropic and `/_mock` routes.
public func buildMockUpstreamApplication(
    host: String = "127.0.0.1", port: Int, state: MockUpstreamState, logger: Logger? = nil,
    onRunning: @escaping @Sendable (Int) -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    OpenAIRoutes(state: state).add(to: router)
    AnthropicRoutes(state: state).add(to: router)
    ResponsesRoutes(state: state).add(to: router)
    EmbeddingsRoutes(state: state).add(to: router)
    MockControlRoutes(state: state).add(to: router)
    var quiet = Logger(label: "mock-upstream")
    quiet.logLevel = .warning
    return Application(
        router: router,
        configuration: .init(address: .hostname(host, port: port), serverName: nil),
        onServerRunning: { channel in onRunning(channel.localAddress?.port ?? port) },
        logger: logger ?? quiet
    )
}

/// A mock upstream running in this process.
public struct RunningMockUpstream: Sendable {
    /// The bound port.
    public let port: Int
    /// Its configuration and counters.
    public let state: MockUpstreamState
    /// `http://127.0.0.1:PORT/v1`, what an upstream account's base URL is set to.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Runs a mock on a free port for the duration of `body`, then shuts it down.
    public static func withRunning<T: Sendable>(
        configuration: MockUpstreamConfiguration = .init(), _ body: @Sendable (RunningMockUpstream) async throws -> T
    ) async throws -> T {
        let state = MockUpstreamState(configuration: configuration)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = buildMockUpstreamApplication(port: 0, state: state, onRunning: { portContinuation.yield($0) })
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "mock-upstream")))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let result: Result<T, any Error>
            do {
                result = .success(try await body(RunningMockUpstream(port: port, state: state)))
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }
}
