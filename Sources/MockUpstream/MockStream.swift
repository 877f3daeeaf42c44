import Foundation
import Hummingbird

/// One server-sent event of a mock stream: its text (`data: ...` or `event: ...\ndata: ...`, without the blank
/// line) and whether it is a paced piece or a frame sent at once.
struct MockEvent {
    var text: String
    var paced: Bool

    /// A piece of the answer: waited for, counted by `failAfterChunks`.
    static func piece(_ text: String) -> MockEvent { MockEvent(text: text, paced: true) }
    /// A frame around the pieces (a role chunk, a block start, the finish), sent without waiting.
    static func frame(_ text: String) -> MockEvent { MockEvent(text: text, paced: false) }
}

/// Writes mock events as a `text/event-stream` with the configured pacing and mid-stream failures.
enum MockStream {
    /// The streamed response: frames before the first piece go out at once (then `hang_after_headers` and the
    /// first-token delay strike), pieces are `chunkDelayMs` apart (`slowDripMs` when `slow`), and after
    /// `failAfterChunks` pieces `close` ends the body and `malformed` sends `malformed` first.
    static func response(
        _ events: [MockEvent], settings: MockUpstreamConfiguration, state: MockUpstreamState, malformed: String
    ) -> Response {
        let headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"]
        return Response(status: .ok, headers: headers, body: .init { writer in
            state.recordStream(.started)
            do {
                try await play(events, into: &writer, settings: settings, malformed: malformed)
                try await writer.finish(nil)
                state.recordStream(.completed)
            } catch {
                state.recordStream(.cancelled)
                throw error
            }
        })
    }

    private static func play(
        _ events: [MockEvent], into writer: inout any ResponseBodyWriter, settings: MockUpstreamConfiguration,
        malformed: String
    ) async throws {
        let failure = MockFailure.parse(settings.failure)
        var pieces = 0
        for event in events {
            if event.paced, pieces == 0 {
                if failure == .hangAfterHeaders { try await gracefulSleep(seconds: 600) }
                try await mockSleep(milliseconds: settings.firstTokenDelayMs)
            }
            if event.paced {
                if pieces > 0 {
                    try await mockSleep(milliseconds: failure == .slow ? settings.slowDripMs : settings.chunkDelayMs)
                }
                if pieces == settings.failAfterChunks, failure == .close || failure == .malformed {
                    if failure == .malformed { try await writer.write(ByteBuffer(string: malformed + "\n\n")) }
                    return
                }
                pieces += 1
            }
            try await writer.write(ByteBuffer(string: event.text + "\n\n"))
        }
    }

    /// `event: NAME` plus its data line, the way Anthropic and the Responses API name their events.
    static func named(_ name: String, _ json: String) -> String { "event: \(name)\ndata: \(json)" }
}
