import Foundation
import Synchronization

/// Live configuration and counters of a mock upstream, shared by its routes and read by tests.
public final class MockUpstreamState: Sendable {
    /// Counters tests look at.
    public struct Stats: Sendable, Codable, Equatable {
        public var requests = 0
        public var streamsStarted = 0
        public var streamsCompleted = 0
        public var streamsCancelled = 0
        public var lastRequestBody: String?
        public var lastAuthorization: String?

        enum CodingKeys: String, CodingKey {
            case requests
            case streamsStarted = "streams_started"
            case streamsCompleted = "streams_completed"
            case streamsCancelled = "streams_cancelled"
            case lastRequestBody = "last_request_body"
            case lastAuthorization = "last_authorization"
        }
    }

    private let initial: MockUpstreamConfiguration
    private let current: Mutex<MockUpstreamConfiguration>
    private let stats = Mutex(Stats())
    private let log = Mutex<[RecordedRequest]>([])

    /// Creates the state with a starting configuration.
    public init(configuration: MockUpstreamConfiguration = .init()) {
        initial = configuration
        current = Mutex(configuration)
    }

    /// The configuration in force.
    public var configuration: MockUpstreamConfiguration {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }

    /// Changes the configuration in place.
    public func update(_ change: (inout MockUpstreamConfiguration) -> Void) { current.withLock { change(&$0) } }

    /// A copy of the counters.
    public var snapshot: Stats { stats.withLock { $0 } }

    /// The last (up to 100) request bodies received, oldest first.
    public var requestBodies: [String] { log.withLock { $0.map(\.body) } }

    /// The last (up to 100) requests received, oldest first.
    public var requests: [RecordedRequest] { log.withLock { $0 } }

    /// Counters to zero, configuration back to the starting one.
    public func reset() {
        stats.withLock { $0 = Stats() }
        log.withLock { $0.removeAll() }
        current.withLock { $0 = initial }
    }

    func recordRequest(path: String, body: String, authorization: String?) {
        stats.withLock {
            $0.requests += 1
            $0.lastRequestBody = body
            $0.lastAuthorization = authorization
        }
        log.withLock {
            $0.append(RecordedRequest(path: path, body: body))
            if $0.count > 100 { $0.removeFirst($0.count - 100) }
        }
    }

    func recordStream(_ event: StreamEvent) {
        stats.withLock {
            switch event {
            case .started: $0.streamsStarted += 1
            case .completed: $0.streamsCompleted += 1
            case .cancelled: $0.streamsCancelled += 1
            }
        }
    }

    enum StreamEvent { case started, completed, cancelled }
}

/// A request the mock received: the path it was sent to and its body as text.
public struct RecordedRequest: Sendable, Equatable {
    /// The request path, e.g. `/v1/chat/completions`.
    public var path: String
    /// The body as received.
    public var body: String
}
