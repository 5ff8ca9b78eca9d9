import Metrics
import Prometheus
import Synchronization
import VickreyCore
import VickreyTraffic

/// The server's metrics, through swift-metrics into a Prometheus registry owned by the
/// application (so tests and several apps in one process never share counters).
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let indexSize: Metrics.Gauge
    private let reloadLag: Metrics.Gauge
    private let databaseUp: Metrics.Gauge
    /// Handles by label and dimensions, made once: creating a swift-metrics object per
    /// request costs an allocation and a registry lookup under its lock.
    private let counters = Mutex<[CounterKey: Metrics.Counter]>([:])

    /// A counter's label and dimension values, hashed as they are (no string is built).
    private struct CounterKey: Hashable {
        var label: String
        var values: [String]
    }
    private let timers = Mutex<[String: Metrics.Timer]>([:])
    /// The auction counters of each endpoint, made up front: they move on every ad request.
    private let auctionCounters: [AuctionEndpoint: AuctionCounters]

    private struct AuctionCounters {
        let auctions: Metrics.Counter
        let fills: Metrics.Counter
        let noFills: [NoFillReason: Metrics.Counter]
    }

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1),
        ]
        self.factory = factory
        auctionCounters = Dictionary(
            uniqueKeysWithValues: AuctionEndpoint.allCases.map { endpoint in
                (
                    endpoint,
                    AuctionCounters(
                        auctions: Metrics.Counter(
                            label: "vickrey_auctions_total", dimensions: [("endpoint", endpoint.rawValue)], factory: factory),
                        fills: Metrics.Counter(
                            label: "vickrey_fills_total", dimensions: [("endpoint", endpoint.rawValue)], factory: factory),
                        noFills: Dictionary(
                            uniqueKeysWithValues: NoFillReason.allCases.map { reason in
                                (
                                    reason,
                                    Metrics.Counter(
                                        label: "vickrey_no_fills_total",
                                        dimensions: [("endpoint", endpoint.rawValue), ("reason", reason.rawValue)], factory: factory
                                    )
                                )
                            })
                    )
                )
            })
        indexSize = Metrics.Gauge(label: "vickrey_index_campaigns", factory: factory)
        reloadLag = Metrics.Gauge(label: "vickrey_index_reload_lag_seconds", factory: factory)
        databaseUp = Metrics.Gauge(label: "vickrey_database_up", factory: factory)
    }

    /// Counts and times one request. `route` is the router's matched path with its
    /// parameters as `{name}` (`/v1/beacons/impression/{token}`); a request that matched
    /// no route is counted as `other`, so the label's cardinality is the route table's.
    func request(route: String?, status: Int, duration: Duration) {
        let label = route.flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "other"
        counter("http_requests_total", [("route", label), ("status", "\(status)")]).increment()
        let timer = timers.withLock { timers in
            if let existing = timers[label] { return existing }
            let made = Metrics.Timer(label: "http_request_duration_seconds", dimensions: [("route", label)], factory: factory)
            timers[label] = made
            return made
        }
        timer.record(duration: duration)
    }

    /// The endpoints that run auctions, as the `endpoint` label spells them.
    enum AuctionEndpoint: String, CaseIterable {
        case native, openrtb
    }

    func auction(_ outcome: AuctionOutcome, endpoint: AuctionEndpoint) {
        let counters = auctionCounters[endpoint]!  // made in init for every case
        counters.auctions.increment()
        for placement in outcome.placements {
            switch placement.result {
            case .filled: counters.fills.increment()
            case .unfilled(let reason): counters.noFills[reason]!.increment()
            }
        }
    }

    /// A beacon accepted: `billed`, `unbilled` or `replay` (counted once, changed nothing).
    func beacon(kind: BeaconKind, outcome: String) {
        counter("vickrey_beacons_total", [("kind", kind.rawValue), ("outcome", outcome)]).increment()
    }

    /// A beacon's invalid-traffic verdict: `valid`, or its category (`known_robot`, …).
    func verdict(kind: BeaconKind, category: TrafficCategory?) {
        counter("vickrey_beacon_verdicts_total", [("kind", kind.rawValue), ("verdict", category?.rawValue ?? "valid")]).increment()
    }

    /// A beacon refused: `malformed`, `forged`, `unknown_key` or `expired`.
    func beaconRejected(kind: BeaconKind, reason: String) {
        counter("vickrey_beacons_rejected_total", [("kind", kind.rawValue), ("reason", reason)]).increment()
    }

    /// A request's privacy outcome: `personalized`, `contextual` or `no_ad`.
    func privacy(_ decision: PrivacyDecision, endpoint: AuctionEndpoint) {
        counter("vickrey_privacy_requests_total", [("endpoint", endpoint.rawValue), ("outcome", decision.outcome.rawValue)]).increment()
    }

    /// An admin API or console request refused for its key: `missing`, `malformed`,
    /// `unknown`, `revoked`, `wrong_secret` or `rate_limited`.
    func authFailure(reason: String) {
        counter("vickrey_auth_failures_total", [("reason", reason)]).increment()
    }

    /// An OpenRTB impression not auctioned at all (private auction, other currency, no banner, late).
    func openRTBSkipped(reason: String) {
        counter("vickrey_no_fills_total", [("endpoint", AuctionEndpoint.openrtb.rawValue), ("reason", reason)]).increment()
    }

    /// The counter for a label and dimensions, made on first use. Dimension values come
    /// from bounded sets (routes, statuses, reasons), so the cache stays small.
    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Metrics.Counter {
        let key = CounterKey(label: label, values: dimensions.map(\.1))
        return counters.withLock { counters in
            if let existing = counters[key] { return existing }
            let made = Metrics.Counter(label: label, dimensions: dimensions, factory: factory)
            counters[key] = made
            return made
        }
    }

    /// Counts a fleet server's lease settles by outcome.
    func leaseSettle(succeeded: Bool) {
        counter("vickrey_lease_settles_total", [("outcome", succeeded ? "ok" : "failed")]).increment()
    }

    /// 1 while the last index refresh reached the database, 0 while it cannot.
    func database(reachable: Bool) { databaseUp.record(reachable ? 1 : 0) }

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
