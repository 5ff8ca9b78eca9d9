import Foundation
import VickreyWire

/// A load-test scenario: which synthetic campaigns, which request stream, and how to
/// drive it. A small JSON file in `loadtest/scenarios/`; the same file and seed always
/// give the same campaigns and the same requests.
public struct Scenario: Codable, Hashable, Sendable {
    public var name: String
    /// Seeds campaigns and requests.
    public var seed: UInt64
    /// How many synthetic campaigns (`loadtest generate` writes them for `adctl campaign import`).
    public var campaigns: Int
    /// `open` (constant rate, latency from each request's intended send time) or
    /// `closed` (each connection sends the next request as soon as it has an answer).
    public var mode: Mode
    /// Requests per second in open-loop mode.
    public var rate: Int
    public var durationSeconds: Int
    /// Connections the generator keeps open (HTTP/1.1 keep-alive, one request in flight each).
    public var connections: Int
    /// Shares (0–1) of ad requests sent as native and OpenRTB; they are normalised.
    public var mix: Mix
    public var beacons: Beacons
    /// `cap_window_seconds` (optional): the window of the generated campaigns' frequency
    /// caps, a day unless set; a soak sets a few minutes so that its run outlasts them.
    public var capWindowSeconds: Int64?

    /// How requests are paced (see `mode`).
    public enum Mode: String, Codable, Hashable, Sendable { case open, closed }

    /// Relative shares of native and OpenRTB ad requests.
    public struct Mix: Codable, Hashable, Sendable {
        public var native: Double
        public var openrtb: Double
        public init(native: Double = 0.8, openrtb: Double = 0.2) {
            self.native = native
            self.openrtb = openrtb
        }
    }

    /// Which share of the ads served get an impression beacon, a click beacon, and after
    /// what delays. Clicks wait longer than the server's `ivt.minimumClickDelayMilliseconds`
    /// (500) by default, as a person's do: sooner, they are recorded as invalid traffic.
    public struct Beacons: Codable, Hashable, Sendable {
        public var impressionShare: Double
        public var clickShare: Double
        public var delayMilliseconds: Int
        /// `click_delay_ms` (optional; default 600).
        public var clickDelayMilliseconds: Int
        public static let defaultClickDelayMilliseconds = 600

        public init(
            impressionShare: Double = 0.9, clickShare: Double = 0.02, delayMilliseconds: Int = 50,
            clickDelayMilliseconds: Int = defaultClickDelayMilliseconds
        ) {
            self.impressionShare = impressionShare
            self.clickShare = clickShare
            self.delayMilliseconds = delayMilliseconds
            self.clickDelayMilliseconds = clickDelayMilliseconds
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            impressionShare = try container.decode(Double.self, forKey: .impressionShare)
            clickShare = try container.decode(Double.self, forKey: .clickShare)
            delayMilliseconds = try container.decode(Int.self, forKey: .delayMilliseconds)
            clickDelayMilliseconds =
                try container.decodeIfPresent(Int.self, forKey: .clickDelayMilliseconds) ?? Self.defaultClickDelayMilliseconds
        }

        enum CodingKeys: String, CodingKey {
            case impressionShare = "impression_share"
            case clickShare = "click_share"
            case delayMilliseconds = "delay_ms"
            case clickDelayMilliseconds = "click_delay_ms"
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, seed, campaigns, mode, rate, connections, mix, beacons
        case capWindowSeconds = "cap_window_seconds"
        case durationSeconds = "duration_seconds"
    }

    public init(
        name: String, seed: UInt64 = 42, campaigns: Int, mode: Mode = .open, rate: Int = 1_000, durationSeconds: Int = 10,
        connections: Int = 32, mix: Mix = Mix(), beacons: Beacons = Beacons()
    ) {
        self.name = name
        self.seed = seed
        self.campaigns = campaigns
        self.mode = mode
        self.rate = rate
        self.durationSeconds = durationSeconds
        self.connections = connections
        self.mix = mix
        self.beacons = beacons
    }

    /// Reads and checks a scenario file; errors name the field.
    public static func load(_ path: String) throws -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else { throw ScenarioError("cannot read scenario '\(path)'") }
        let scenario: Scenario
        do { scenario = try JSONDecoder().decode(Scenario.self, from: data) } catch let error as DecodingError {
            throw ScenarioError("\(path): \(Self.describe(error))")
        }
        if let problem = scenario.problem { throw ScenarioError("\(path): \(problem)") }
        return scenario
    }

    /// The first field out of range, if any.
    public var problem: String? {
        if !(1...5_000_000).contains(campaigns) { return "campaigns: must be 1...5000000" }
        if !(1...1_000_000).contains(rate) { return "rate: must be 1...1000000 requests per second" }
        if !(1...86_400).contains(durationSeconds) { return "duration_seconds: must be 1...86400" }
        if !(1...4_096).contains(connections) { return "connections: must be 1...4096" }
        if mix.native < 0 || mix.openrtb < 0 || mix.native + mix.openrtb <= 0 { return "mix: shares must be non-negative, not both zero" }
        if !(0...1).contains(beacons.impressionShare) { return "beacons.impression_share: must be 0...1" }
        if !(0...1).contains(beacons.clickShare) { return "beacons.click_share: must be 0...1" }
        if !(0...600_000).contains(beacons.delayMilliseconds) { return "beacons.delay_ms: must be 0...600000" }
        if !(0...600_000).contains(beacons.clickDelayMilliseconds) { return "beacons.click_delay_ms: must be 0...600000" }
        if let window = capWindowSeconds, !(1...CampaignLimits.maximumCapWindowSeconds).contains(window) {
            return "cap_window_seconds: must be 1...\(CampaignLimits.maximumCapWindowSeconds)"
        }
        return nil
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "\(key.stringValue): missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            context.codingPath.isEmpty
                ? "not valid JSON" : "\(context.codingPath.map(\.stringValue).joined(separator: ".")): wrong type or value"
        @unknown default: "not a scenario"
        }
    }
}

/// A scenario file that cannot be used, naming the field at fault.
public struct ScenarioError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
