import Foundation
import Prometheus

/// The server's Prometheus metrics, on its own registry (no global bootstrap, so tests can build many apps).
final class AppMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let requests2xx, requests3xx, requests4xx, requests5xx: Counter
    private let requestDuration: DurationHistogram
    let activeGenerations: Gauge

    init() {
        requests2xx = registry.makeCounter(name: "chatmirror_http_requests_total", labels: [("class", "2xx")])
        requests3xx = registry.makeCounter(name: "chatmirror_http_requests_total", labels: [("class", "3xx")])
        requests4xx = registry.makeCounter(name: "chatmirror_http_requests_total", labels: [("class", "4xx")])
        requests5xx = registry.makeCounter(name: "chatmirror_http_requests_total", labels: [("class", "5xx")])
        requestDuration = registry.makeDurationHistogram(
            name: "chatmirror_http_request_duration_seconds",
            buckets: [.microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(25),
                      .milliseconds(100), .milliseconds(500), .seconds(2), .seconds(10)])
        activeGenerations = registry.makeGauge(name: "chatmirror_active_generations")
    }

    func recordRequest(status: Int, duration: Duration) {
        switch status {
        case 200..<300: requests2xx.increment()
        case 300..<400: requests3xx.increment()
        case 400..<500: requests4xx.increment()
        default: requests5xx.increment()
        }
        requestDuration.record(duration)
    }
}
