import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import ChatMirror

/// The OpenAPI document at `/api/openapi.json` against the routes the router really registers.
@Suite struct OpenAPIDocumentTests {
    /// The API's routes ("GET /api/admin/users/{id}"): everything but the web app's static files.
    private static func registeredRoutes(_ routes: [Router<AppRequestContext>.RouteDescription]) -> Set<String> {
        let prefixes = ["/api/", "/v1/", "/s/", "/healthz", "/readyz", "/metrics"]
        return Set(routes.map { "\($0.method.rawValue) \($0.path.description)" }.filter { route in
            let path = route.split(separator: " ", maxSplits: 1).last.map(String.init) ?? ""
            return prefixes.contains { path.hasPrefix($0) }
        })
    }

    private static func documentedRoutes(_ document: [String: Any]) -> Set<String> {
        let methods = ["get", "put", "post", "delete", "patch", "head", "options"]
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        return Set(paths.flatMap { path, operations in
            operations.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" }
        })
    }

    /// Builds the app, fetches the served document without signing in, and hands both route sets to `check`.
    private func withRoutes(_ check: @Sendable (_ registered: Set<String>, _ documented: Set<String>) -> Void) async throws {
        var config = Harness.config()
        let cleanup = try await TestDatabase.prepare(&config)
        do {
            let (app, routes, _) = try await assembleApplication(config, clock: SystemClock(), console: { _ in })
            let registered = Self.registeredRoutes(routes)
            try await app.test(.router) { client in
                // Act: the document as any client gets it, anonymously.
                let response = try await client.executeRequest(uri: "/api/openapi.json", method: .get, headers: [:], body: nil)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let document = try response.json()
                #expect(document["openapi"] as? String == "3.1.0")
                check(registered, Self.documentedRoutes(document))
            }
            await cleanup()
        } catch {
            await cleanup()
            throw error
        }
    }

    @Test func everyRegisteredRouteIsDocumented() async throws {
        try await withRoutes { registered, documented in
            #expect(registered.count > 50, "the router's routes were not read")
            let undocumented = registered.subtracting(documented).sorted()
            #expect(undocumented.isEmpty, "routes missing from openapi.json: \(undocumented)")
        }
    }

    @Test func everyDocumentedRouteIsRegistered() async throws {
        try await withRoutes { registered, documented in
            let unknown = documented.subtracting(registered).sorted()
            #expect(unknown.isEmpty, "openapi.json documents routes the router does not have: \(unknown)")
        }
    }
}
