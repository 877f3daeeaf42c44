import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bare TCP connection to a test server, for what an HTTP client hides: a head sent a byte at a time, a kept-alive
/// connection left idle, a request without a Host header.
final class RawConnection: @unchecked Sendable {
    private let socket: Int32
    /// Bytes read and not yet taken by `response`.
    private var unread = Data()
    /// The server closed the connection (end of stream or reset).
    private(set) var isClosed = false

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard socket >= 0, connected else {
            Glibc.close(socket)
            throw TestFailure("cannot connect to port \(port)")
        }
        _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
    }

    deinit { if !isClosedHere { Glibc.close(socket) } }

    private var isClosedHere = false

    /// Closes the connection from this side.
    func close() {
        guard !isClosedHere else { return }
        isClosedHere = true
        Glibc.close(socket)
    }

    /// Sends `text`; false once the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Waits until the server closes the connection, calling `meanwhile` between looks; false if `timeout` passed first.
    func waitUntilClosed(timeout: Double, meanwhile: () -> Void = {}) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !readAvailable(), Date() < deadline {
            meanwhile()
            try await Task.sleep(for: .milliseconds(50))
        }
        return isClosed
    }

    /// The next whole response (a head and a `Content-Length` body); nil if none came within `timeout`.
    func response(timeout: Double = 20) async throws -> RawResponse? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            _ = readAvailable()
            if let response = takeResponse() { return response }
            if isClosed { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Reads whatever has arrived; true once the connection is closed.
    private func readAvailable() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !isClosed {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count > 0 {
                unread.append(contentsOf: buffer[0..<count])
            } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                isClosed = true
            } else {
                break
            }
        }
        return isClosed
    }

    private func takeResponse() -> RawResponse? {
        guard let end = unread.range(of: Data("\r\n\r\n".utf8)) else { return nil }
        let lines = String(decoding: unread[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        guard unread.distance(from: end.upperBound, to: unread.endIndex) >= length else { return nil }
        let bodyEnd = unread.index(end.upperBound, offsetBy: length)
        let body = String(decoding: unread[end.upperBound..<bodyEnd], as: UTF8.self)
        unread = Data(unread[bodyEnd...])
        return RawResponse(status: status, headers: headers, body: body)
    }
}

/// A response read off a `RawConnection`.
struct RawResponse {
    let status: Int
    /// Header names in lower case.
    let headers: [String: String]
    let body: String

    /// `error` of a JSON error body.
    var error: [String: Any]? {
        ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any])?["error"] as? [String: Any]
    }
}
