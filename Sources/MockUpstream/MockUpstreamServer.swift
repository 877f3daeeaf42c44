import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Builds the mock upstream application: OpenAI and Anthropic routes plus `/_mock` controls.
public func buildMockUpstreamApplication(
    host: String = "127.0.0.1", port: Int, state: MockUpstreamState, logger: Logger? = nil,
    onRunning: @escaping @Sendable (Int) -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    OpenAIRoutes(state: state).add(to: router)
    AnthropicRoutes(state: state).add(to: router)
    router.get("/_mock/stats") { _, _ in
        let data = try JSONEncoder().encode(state.snapshot)
        return MockJSON.response(.ok, String(decoding: data, as: UTF8.self))
    }
    router.put("/_mock/config") { request, _ -> Response in
        let buffer = try await request.body.collect(upTo: 1 << 20)
        guard let configuration = try? JSONDecoder().decode(MockUpstreamConfiguration.self, from: Data(buffer.readableBytesView)) else {
            return OpenAIRoutes.error(400, "not a mock configuration")
        }
        state.configuration = configuration
        return MockJSON.response(.ok, String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self))
    }
    router.post("/_mock/reset") { _, _ in
        state.reset()
        return Response(status: .noContent)
    }
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
