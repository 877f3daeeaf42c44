/// A failure the mock upstream can inject, named by the `failure` setting or the `fail` directive.
public enum MockFailure: String, Sendable, CaseIterable {
    /// 401 authentication error.
    case unauthorized = "401"
    /// 403 permission error.
    case forbidden = "403"
    /// 404 model not found.
    case modelNotFound = "404"
    /// 429 rate limit with a `Retry-After` header.
    case rateLimited = "429"
    /// 500 server error.
    case serverError = "500"
    /// 503 overloaded (529 `overloaded_error` on the Anthropic route).
    case overloaded = "503"
    /// Never sends response headers; waits until the client goes away.
    case hang
    /// Sends 200 headers, then nothing until the client goes away.
    case hangAfterHeaders = "hang_after_headers"
    /// Closes the connection after `failAfterChunks` pieces, without `[DONE]`.
    case close
    /// After `failAfterChunks` pieces sends `data: {not json` and ends the body.
    case malformed
    /// Drips pieces `slowDripMs` apart.
    case slow

    /// Parses a failure name; "", "none", "0" and unknown names mean no failure.
    static func parse(_ name: String?) -> MockFailure? {
        guard let name else { return nil }
        return MockFailure(rawValue: name.trimmingWhitespace().lowercased())
    }

    /// True when the failure is answered with an error status before any streaming.
    var isErrorStatus: Bool {
        switch self {
        case .unauthorized, .forbidden, .modelNotFound, .rateLimited, .serverError, .overloaded: true
        case .hang, .hangAfterHeaders, .close, .malformed, .slow: false
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let scalars = self.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
