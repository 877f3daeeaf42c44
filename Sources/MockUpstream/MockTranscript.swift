import Foundation

/// A recorded vendor stream, `NAME.sse` in the transcripts directory, replayed event by event.
struct MockTranscript {
    /// Which route a transcript belongs to.
    enum Family: String {
        case openAI = "OpenAI-compatible"
        case anthropic = "Anthropic"
    }

    /// Why a transcript could not be used; the message is what the 400 answer says.
    struct Problem: Error {
        var message: String
    }

    /// The raw events (`data: ...`, or `event: ...` + `data: ...`), without the blank lines between them.
    let events: [String]
    /// The non-streamed answer recorded next to it (`NAME.json`), when there is one.
    let recordedAnswer: String?

    /// Anthropic streams name their events; OpenAI-compatible ones do not.
    var family: Family { events.contains { $0.hasPrefix("event: message_start") } ? .anthropic : .openAI }

    /// The JSON payloads of the events, in order (`[DONE]` and unparsable data skipped).
    var payloads: [[String: Any]] {
        events.compactMap { Self.data(of: $0) }.compactMap { MockJSON.object(Data($0.utf8)) }
    }

    /// Loads `name` from the configured directory, checking that it belongs to `family`.
    static func load(
        _ name: String, for family: Family, configuration: MockUpstreamConfiguration
    ) throws(Problem) -> MockTranscript {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
        guard !name.isEmpty, !name.hasPrefix("."), name.unicodeScalars.allSatisfy(allowed.contains) else {
            throw Problem(message: "mock transcript name \(MockJSON.quote(name)) is not a plain file name")
        }
        let folder = URL(fileURLWithPath: directory(configuration))
        let file = folder.appendingPathComponent(name + ".sse")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw Problem(message: "unknown mock transcript \(MockJSON.quote(name)): no \(file.path)")
        }
        let transcript = MockTranscript(
            events: split(text),
            recordedAnswer: try? String(contentsOf: folder.appendingPathComponent(name + ".json"), encoding: .utf8))
        guard transcript.family == family else {
            let route = transcript.family == .anthropic ? "/v1/messages" : "/v1/chat/completions"
            throw Problem(
                message:
                    "mock transcript \(MockJSON.quote(name)) is an \(transcript.family.rawValue) stream; ask \(route)")
        }
        return transcript
    }

    /// The transcripts directory: the configured one, else `MOCK_TRANSCRIPTS_DIR`, else this checkout's fixtures.
    static func directory(_ configuration: MockUpstreamConfiguration) -> String {
        if let configured = configuration.transcriptsDir, !configured.isEmpty { return configured }
        if let fromEnvironment = ProcessInfo.processInfo.environment["MOCK_TRANSCRIPTS_DIR"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return bundledDirectory
    }

    /// `Tests/Fixtures/transcripts` of the checkout this file was compiled from.
    static let bundledDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures/transcripts").path

    /// The events of an SSE body: blocks separated by blank lines.
    static func split(_ text: String) -> [String] {
        text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .newlines) }
            .filter { !$0.isEmpty }
    }

    /// The data of one event (its `data:` lines joined), nil when it has none.
    static func data(of event: String) -> String? {
        let lines = event.split(separator: "\n").filter { $0.hasPrefix("data:") }.map { line -> String in
            let value = line.dropFirst(5)
            return String(value.hasPrefix(" ") ? value.dropFirst() : value)
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }
}
