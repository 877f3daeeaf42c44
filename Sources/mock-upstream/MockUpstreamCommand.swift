import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MockUpstream

/// `mock-upstream`: a fake OpenAI/Anthropic server for tests, benchmarks and trying ChatMirror without a key.
@main
struct MockUpstreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-upstream", abstract: "A fake OpenAI- and Anthropic-compatible LLM server.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port (0 picks a free one; the line 'mock-upstream listening on URL' tells which).") var port = 9100
    @Option(name: .customLong("api-key"), help: "Require this API key.") var apiKey: String?
    @Option(help: "Pieces per answer.") var chunks = 8
    @Option(name: .customLong("chunk-delay-ms"), help: "Pause between pieces.") var chunkDelayMs = 10
    @Option(name: .customLong("first-token-delay-ms"), help: "Pause before the first piece.") var firstTokenDelayMs = 0
    @Flag(help: "Answer with 'Echo: <last user message>'.") var echo = false
    @Option(help: "A fixed answer.") var reply: String?
    @Option(help: "Failure mode: 401 403 404 429 500 503 hang hang_after_headers close malformed slow.")
    var failure: String?
    @Option(help: "Models served, comma-separated.") var models = "mock-gpt,mock-gpt-mini"
    @Option(
        name: .customLong("transcripts-dir"),
        help: ArgumentHelp(
            "Where [[mock:transcript=NAME]] finds NAME.sse (default: $MOCK_TRANSCRIPTS_DIR, else this checkout's "
                + "Tests/Fixtures/transcripts)."))
    var transcriptsDir: String?
    @Option(help: "Reasoning before every answer: deepseek (reasoning_content) or vllm (reasoning).")
    var reasoning: String?
    @Option(name: .customLong("log-level"), help: "Log level.") var logLevel = "warning"

    func run() async throws {
        var configuration = MockUpstreamConfiguration()
        configuration.apiKey = apiKey
        configuration.chunkCount = chunks
        configuration.chunkDelayMs = chunkDelayMs
        configuration.firstTokenDelayMs = firstTokenDelayMs
        configuration.echo = echo
        configuration.reply = reply
        configuration.failure = failure
        configuration.transcriptsDir = transcriptsDir
        configuration.reasoning = reasoning
        configuration.models = models.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var logger = Logger(label: "mock-upstream")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        let host = self.host
        let app = buildMockUpstreamApplication(
            host: host, port: port, state: MockUpstreamState(configuration: configuration), logger: logger
        ) { bound in
            FileHandle.standardOutput.write(Data("mock-upstream listening on http://\(host):\(bound)\n".utf8))
        }
        try await app.runService()
    }
}
