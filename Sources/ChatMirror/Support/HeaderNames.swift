import HTTPTypes

/// Header names HTTPTypes does not predefine.
extension HTTPField.Name {
    static let xRequestId = Self("X-Request-Id")!
    static let xCSRFToken = Self("X-CSRF-Token")!
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let xForwardedProto = Self("X-Forwarded-Proto")!
    static let xAccelBuffering = Self("X-Accel-Buffering")!
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let crossOriginOpenerPolicy = Self("Cross-Origin-Opener-Policy")!
}
