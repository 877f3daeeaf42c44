import HTTPTypes
import Hummingbird

/// Security headers on every response (errors too): strict CSP without inline script or style, no framing, no sniffing.
enum SecurityHeaders {
    static let contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

    static func apply(to response: inout Response, secure: Bool) {
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.xFrameOptions] = "DENY"
        if response.headers[.referrerPolicy] == nil { response.headers[.referrerPolicy] = "same-origin" }
        response.headers[.crossOriginOpenerPolicy] = "same-origin"
        if secure { response.headers[.strictTransportSecurity] = "max-age=31536000" }
    }
}
