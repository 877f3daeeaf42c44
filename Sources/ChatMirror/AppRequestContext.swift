import Hummingbird
import Logging
import NIOCore

/// Who is making a request: a signed-in browser or a personal API key.
public struct Identity: Sendable {
    /// The user.
    public var user: User
    /// The session, for cookie authentication.
    var session: Session?
    /// The API key id, for `/v1`.
    public var apiKeyId: Int?
}

/// The request context of every route: logger with request id, client address, identity once authenticated.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Peer address of the connection.
    public let peerAddress: String?
    /// The connection (its `ConnectionWatch` says when the client leaves).
    let channel: any Channel
    /// Set by the authentication middleware.
    public var identity: Identity?
    /// Client IP after the proxy rule (set by the request-id middleware).
    public var clientIP: String?
    /// Whether the request arrived over https (directly or via a trusted proxy).
    public var isSecure = false

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
        channel = source.channel
    }

    /// The body limit is enforced by `decodeJSON`; this only bounds what the server would buffer.
    public var maxUploadSize: Int { 16 << 20 }

    /// The signed-in user; throws 401 when there is none.
    func requireUser() throws -> User {
        guard let user = identity?.user else { throw AppError.unauthenticated }
        return user
    }
}
