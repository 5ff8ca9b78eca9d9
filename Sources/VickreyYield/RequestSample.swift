import Foundation
import VickreyCore
import VickreyWire

/// The request sample forecasts are made from: a low rate of requests' targeting
/// dimensions with their times (no user ids, no request ids), one line per placement.
public typealias RequestSample = SampledLog<SampledRequest>

/// One sampled placement request: `{"t":"2026-12-01T10:00:00.000Z","placement":"feed",
/// "sizes":["300x250"],"country":"DE","device":"mobile","os":"ios","keywords":["cars"]}`
/// (absent dimensions are omitted).
public struct SampledRequest: SampledLogLine, Hashable {
    public var time: Instant
    public var query: TargetingQuery

    public init(time: Instant, query: TargetingQuery) {
        self.time = time
        self.query = query
    }

    public var json: String {
        var out = JSONWriter(capacity: 160)
        out.object { out in
            out.field("t", time.rfc3339Milliseconds)
            out.field("placement", query.placement.rawValue)
            if !query.sizes.isEmpty {
                out.key("sizes")
                out.stringArray(query.sizes.map(\.description))
            }
            if let country = query.country { out.field("country", country.rawValue) }
            if let device = query.device { out.field("device", device.rawValue) }
            if let os = query.operatingSystem { out.field("os", os.rawValue) }
            if !query.keywords.isEmpty {
                out.key("keywords")
                out.stringArray(query.keywords.map(\.rawValue))
            }
        }
        return out.text
    }

    private struct Fields: Decodable {
        var t: String
        var placement: String
        var sizes: [String]?
        var country: String?
        var device: String?
        var os: String?
        var keywords: [String]?
    }

    /// A line as `json` writes it; nil for a line that is not one (skipped, counted by the reader).
    public init?(line: Substring) {
        guard let fields = try? JSONDecoder().decode(Fields.self, from: Data(line.utf8)), let time = RFC3339.parse(fields.t),
            let placement = PlacementID(fields.placement)
        else { return nil }
        let sizes = (fields.sizes ?? []).compactMap(AdSize.init)
        self.init(
            time: time,
            query: TargetingQuery(
                placement: placement, sizes: sizes, country: fields.country.flatMap(CountryCode.init),
                device: fields.device.flatMap(DeviceType.init(rawValue:)),
                operatingSystem: fields.os.flatMap(OperatingSystem.init(rawValue:)),
                keywords: (fields.keywords ?? []).compactMap(Keyword.init)))
    }
}

extension SampledLog where Line == SampledRequest {
    /// `requestSample.*` defaults: 100 ppm (one request in 10,000), 32 MiB files, 12 kept.
    public static var defaultPath: String { "var/request-sample.jsonl" }
    public static var defaultSampleRatePPM: Int64 { 100 }
    public static var defaultMaximumBytes: Int64 { 32 << 20 }
    public static var defaultKeptFiles: Int { 12 }

    /// Queues a sampled request's placements (when its id is sampled); only banner sizes are
    /// kept of a placement's shape.
    public func sample(_ request: AuctionRequest) {
        guard samples(requestID: request.requestID) else { return }
        append(
            request.placements.map { placement in
                var query = request.query(for: placement)
                query.shape = .banner(placement.shape.banner ?? [])
                return SampledRequest(time: request.time, query: query)
            })
    }

    /// Every readable line of the sample's files, oldest file first (`PATH.KEEP` … `PATH.1`,
    /// `PATH`), and how many lines could not be read.
    public static func read(path: String, keptFiles: Int = defaultKeptFiles) throws -> (requests: [SampledRequest], unreadable: Int) {
        var requests: [SampledRequest] = []
        var unreadable = 0
        let files = stride(from: keptFiles, through: 1, by: -1).map { "\(path).\($0)" } + [path]
        for file in files where FileManager.default.fileExists(atPath: file) {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                if let request = SampledRequest(line: line) { requests.append(request) } else { unreadable += 1 }
            }
        }
        return (requests.sorted { $0.time < $1.time }, unreadable)
    }
}

extension SampledLog where Line == SampledRequest {
    /// Where the sample is when nothing configures it: `request-sample.jsonl` beside a SQLite
    /// database (`databasePath` a file path), else `var/request-sample.jsonl`.
    public static func defaultPath(beside databasePath: String) -> String {
        let isURL = databasePath.hasPrefix("postgres://") || databasePath.hasPrefix("postgresql://")
        guard !isURL else { return defaultPath }
        return URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent("request-sample.jsonl").path
    }
}

/// The warning booking a standard line item gets when its goal is past its forecast
/// availability (`adctl campaign import` prints it and refuses it with `--strict`; the
/// admin API returns it in `warnings`).
public enum BookingCheck {
    /// Warnings for booking `campaign` beside the `booked` line items, forecast over its
    /// flight from the sample at `samplePath`; none for campaigns that are not standard items.
    public static func warnings(
        for campaign: Campaign, booked: [Campaign], samplePath: String, sampleRatePPM: Int64,
        keptFiles: Int = RequestSample.defaultKeptFiles
    ) -> [String] {
        guard campaign.lineItem.goal != nil, let start = campaign.start, let end = campaign.end else { return [] }
        guard let sample = try? RequestSample.read(path: samplePath, keptFiles: keptFiles).requests, !sample.isEmpty else {
            return ["availability not checked: no request sample at \(samplePath)"]
        }
        let question = ForecastQuestion(
            proposed: campaign, booked: booked.filter { $0.id != campaign.id && $0.lineItem.delivery.isGuaranteed }, from: start,
            to: end, sampleRatePPM: sampleRatePPM)
        return Forecaster.forecast(question, sample: sample).warnings.filter { $0.hasPrefix("overbooked:") }
    }
}
