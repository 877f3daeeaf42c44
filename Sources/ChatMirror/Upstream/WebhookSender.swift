import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// Posts each alert as JSON to the admin's webhook (site setting `webhook_url`), retrying with backoff.
/// The payload names the account and the change, never a key.
final class WebhookSender: Service, Sendable {
    private let http: HTTPClient
    private let settings: SettingsRepository
    private let logger: Logger
    private let queue: AsyncStream<JSONValue>
    private let input: AsyncStream<JSONValue>.Continuation
    let retryDelays: [Duration]

    init(http: HTTPClient, settings: SettingsRepository, logger: Logger, retryDelays: [Duration] = [.seconds(1), .seconds(5), .seconds(30)]) {
        self.http = http
        self.settings = settings
        self.logger = logger
        self.retryDelays = retryDelays
        (queue, input) = AsyncStream<JSONValue>.makeStream(bufferingPolicy: .bufferingNewest(1000))
    }

    /// Queues an alert for delivery (dropped when no webhook is set).
    func enqueue(_ payload: JSONValue) { input.yield(payload) }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await payload in self.queue {
                await self.deliver(payload)
            }
        }
    }

    private func deliver(_ payload: JSONValue) async {
        guard let url = try? await settings.load().webhookURL, !url.isEmpty else { return }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "ChatMirror-Webhook")
        request.body = .bytes(ByteBuffer(bytes: payload.encoded()))
        for (attempt, delay) in ([Duration.zero] + retryDelays).enumerated() {
            if attempt > 0 {
                do { try await Task.sleep(for: delay) } catch { return }
            }
            do {
                let response = try await http.execute(request, timeout: .seconds(10))
                if (200..<300).contains(response.status.code) { return }
                logger.warning("webhook answered with an error", metadata: ["webhook.status": "\(response.status.code)", "webhook.attempt": "\(attempt + 1)"])
            } catch {
                logger.warning("webhook delivery failed", metadata: ["webhook.attempt": "\(attempt + 1)", "error": "\(error)"])
            }
        }
        logger.error("webhook gave up after retries")
    }
}
