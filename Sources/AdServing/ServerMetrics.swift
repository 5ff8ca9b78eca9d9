import Metrics
import Prometheus
import Synchronization
import VickreyCore

/// The server's metrics, through swift-metrics into a Prometheus registry owned by the
/// application (so tests and several apps in one process never share counters).
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let indexSize: Metrics.Gauge
    private let reloadLag: Metrics.Gauge

    /// Routes get their own label; anything else is counted as `other` (bounded cardinality).
    static let routes: Set<String> = ["/v1/ads", "/openrtb2/auction", "/healthz", "/readyz", "/metrics", "/openapi.json"]

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1),
        ]
        self.factory = factory
        indexSize = Metrics.Gauge(label: "vickrey_index_campaigns", factory: factory)
        reloadLag = Metrics.Gauge(label: "vickrey_index_reload_lag_seconds", factory: factory)
    }

    func request(route: String, status: Int, duration: Duration) {
        let label = Self.routes.contains(route) ? route : "other"
        Metrics.Counter(label: "http_requests_total", dimensions: [("route", label), ("status", "\(status)")], factory: factory).increment()
        Metrics.Timer(label: "http_request_duration_seconds", dimensions: [("route", label)], factory: factory).recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        )
    }

    func auction(_ outcome: AuctionOutcome, endpoint: String) {
        Metrics.Counter(label: "vickrey_auctions_total", dimensions: [("endpoint", endpoint)], factory: factory).increment()
        for placement in outcome.placements {
            switch placement.result {
            case .filled: Metrics.Counter(label: "vickrey_fills_total", dimensions: [("endpoint", endpoint)], factory: factory).increment()
            case .unfilled(let reason):
                Metrics.Counter(label: "vickrey_no_fills_total", dimensions: [("endpoint", endpoint), ("reason", reason.rawValue)], factory: factory).increment()
            }
        }
    }

    /// An OpenRTB impression not auctioned at all (private auction, other currency, no banner, late).
    func openRTBSkipped(reason: String) {
        Metrics.Counter(label: "vickrey_no_fills_total", dimensions: [("endpoint", "openrtb"), ("reason", reason)], factory: factory).increment()
    }

    func index(campaigns: Int, lagSeconds: Double) {
        indexSize.record(campaigns)
        reloadLag.record(lagSeconds)
    }

    /// Prometheus text exposition.
    func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
