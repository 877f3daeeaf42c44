import Foundation
import Hummingbird

/// The `/_mock` controls tests use: counters, the requests received, run-time configuration, reset.
struct MockControlRoutes {
    let state: MockUpstreamState

    func add(to router: Router<BasicRequestContext>) {
        router.get("/_mock/stats") { _, _ in
            let data = try JSONEncoder().encode(state.snapshot)
            return MockJSON.response(.ok, String(decoding: data, as: UTF8.self))
        }
        router.get("/_mock/requests") { request, _ in listRequests(path: request.uri.queryParameters.get("path")) }
        router.put("/_mock/config") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            guard
                let configuration = try? JSONDecoder().decode(
                    MockUpstreamConfiguration.self, from: Data(buffer.readableBytesView))
            else {
                return OpenAIRoutes.error(400, "not a mock configuration")
            }
            state.configuration = configuration
            return MockJSON.response(.ok, String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self))
        }
        router.post("/_mock/reset") { _, _ in
            state.reset()
            return Response(status: .noContent)
        }
    }

    /// `[{"path": ..., "body": ...}]`, oldest first; a body that is not JSON is given as a string.
    private func listRequests(path: String?) -> Response {
        let items = state.requests.filter { path == nil || $0.path == path }.map { recorded -> [String: Any] in
            let body: Any =
                (try? JSONSerialization.jsonObject(with: Data(recorded.body.utf8), options: .fragmentsAllowed))
                ?? recorded.body
            return ["path": recorded.path, "body": body]
        }
        return MockJSON.response(.ok, MockJSON.string(items))
    }
}
