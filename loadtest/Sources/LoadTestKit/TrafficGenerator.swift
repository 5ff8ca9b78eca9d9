import Foundation
import VickreyCore
import VickreySynthetic
import VickreyWire

/// Turns a scenario into campaign JSON lines and a reproducible stream of HTTP requests.
///
/// Campaigns come from `SyntheticWorld` (advertisers, creatives, Zipf-popular
/// placements, countries and keywords, include and exclude targeting, day-parting, CPC
/// share, budgets, pacing, frequency caps), all in flight on `day`. Request `n` is a
/// pure function of the seed and `n`: the same scenario always sends the same bodies.
public struct TrafficGenerator: Sendable {
    public let scenario: Scenario
    public let world: SyntheticWorld
    public let day: Instant

    /// `day`: the campaigns' reference time (their flights surround it); default today, UTC midnight.
    public init(_ scenario: Scenario, day: Instant? = nil) {
        self.scenario = scenario
        let reference = day ?? Self.today()
        self.day = reference
        world = SyntheticWorld(
            campaignCount: scenario.campaigns, seed: scenario.seed, now: reference,
            capWindowSeconds: scenario.capWindowSeconds ?? SyntheticWorld.defaultCapWindowSeconds)
    }

    static func today() -> Instant {
        let now = Int64(Date().timeIntervalSince1970)
        return Instant(secondsSinceEpoch: now - now % 86_400)
    }

    /// Every campaign as one JSON line, in the campaign JSON format (`adctl campaign import`).
    public func campaignLines() throws -> Data { try CampaignDocument.jsonLines(world.campaigns) }

    /// What request `n` is: a native or an OpenRTB ad request, and its body.
    public func request(_ number: Int) -> PlannedRequest {
        let auction = world.request(number, time: day)
        let total = scenario.mix.native + scenario.mix.openrtb
        let isOpenRTB = Self.unitDraw(scenario.seed, UInt64(number), 1) * total >= scenario.mix.native
        var planned =
            isOpenRTB
            ? PlannedRequest(kind: .openrtb, method: .POST, path: "/openrtb2/auction", body: RequestBodies.openRTB(auction))
            : PlannedRequest(kind: .native, method: .POST, path: "/v1/ads", body: RequestBodies.native(auction))
        // A fleet routes by user id, so a user's frequency cap lives on one server.
        if let user = auction.userID {
            var hash = FNV1a()
            hash.add(user)
            planned.routingKey = hash.value
        } else {
            planned.routingKey = UInt64(number)
        }
        return planned
    }

    /// The fleet's draws for the `index`th ad of request `number`: whether its beacons
    /// cross to another server (below the cross share), which one, and whether the
    /// impression is replayed (below the replay share).
    public func fleetDraws(request number: Int, ad index: Int) -> (cross: Double, pick: Int, replay: Double) {
        let stream = 1_000 + UInt64(index) * 3
        return (
            Self.unitDraw(scenario.seed, UInt64(number), stream), Int(Self.unitDraw(scenario.seed, UInt64(number), stream + 1) * 1_000),
            Self.unitDraw(scenario.seed, UInt64(number), stream + 2)
        )
    }

    /// Whether the `index`th ad of request `number` gets an impression and a click beacon.
    public func beacons(request number: Int, ad index: Int) -> (impression: Bool, click: Bool) {
        let impression = Self.unitDraw(scenario.seed, UInt64(number), 2 + UInt64(index) * 2) < scenario.beacons.impressionShare
        let click = Self.unitDraw(scenario.seed, UInt64(number), 3 + UInt64(index) * 2) < scenario.beacons.clickShare
        return (impression, click)
    }

    /// A reproducible draw in [0, 1) for (seed, number, stream): SplitMix64.
    static func unitDraw(_ seed: UInt64, _ number: UInt64, _ stream: UInt64) -> Double {
        SplitMix64.unit(SplitMix64.mix(seed &+ number &* SplitMix64.increment &+ stream &* 0xd1b5_4a32_d192_ed03))
    }
}

/// One HTTP request the generator will send.
public struct PlannedRequest: Hashable, Sendable {
    /// What a request is for: an ad (native, OpenRTB), a beacon, or the ceiling probe.
    public enum Kind: String, Hashable, Sendable, CaseIterable, Codable {
        /// `replay`: an impression beacon sent again, to another fleet server.
        case native, openrtb, impression, click, replay, healthz
    }
    /// The HTTP methods the generator uses.
    public enum Method: String, Hashable, Sendable { case GET, POST }

    public var kind: Kind
    public var method: Method
    public var path: String
    public var body: [UInt8]
    /// Sent as `Authorization` (the billing token for the ledger API).
    public var authorization: String?
    /// Which fleet server an ad request goes to: its user id's hash (else its number), modulo the servers.
    public var routingKey: UInt64 = 0

    public init(kind: Kind, method: Method, path: String, body: [UInt8] = [], authorization: String? = nil) {
        self.kind = kind
        self.method = method
        self.path = path
        self.body = body
        self.authorization = authorization
    }
}

/// The JSON bodies of the two ad endpoints for one synthetic request.
public enum RequestBodies {
    public static func native(_ request: AuctionRequest) -> [UInt8] {
        var json = #"{"request_id":"\#(request.requestID)""#
        if let user = request.userID { json += #","user":{"id":"\#(user)"}"# }
        var device: [String] = []
        if let type = request.device { device.append(#""type":"\#(type.rawValue)""#) }
        if let os = request.operatingSystem { device.append(#""os":"\#(os.rawValue)""#) }
        if !device.isEmpty { json += #","device":{\#(device.joined(separator: ","))}"# }
        if let country = request.country { json += #","geo":{"country":"\#(country.rawValue)"}"# }
        if !request.keywords.isEmpty { json += #","keywords":[\#(request.keywords.map { "\"\($0.rawValue)\"" }.joined(separator: ","))]"# }
        let placements = request.placements.map { placement in
            var item = #"{"id":"\#(placement.id.rawValue)""#
            if !placement.sizes.isEmpty { item += #","sizes":[\#(placement.sizes.map { "\"\($0)\"" }.joined(separator: ","))]"# }
            if let floor = placement.floor { item += #","floor_micros":\#(floor.value)"# }
            return item + "}"
        }
        json += #","placements":[\#(placements.joined(separator: ","))]}"#
        return Array(json.utf8)
    }

    public static func openRTB(_ request: AuctionRequest) -> [UInt8] {
        let imps = request.placements.enumerated().map { index, placement in
            var imp = #"{"id":"\#(index + 1)","tagid":"\#(placement.id.rawValue)""#
            let sizes = placement.sizes.isEmpty ? [AdSize(width: 300, height: 250)!] : placement.sizes
            let formats = sizes.map { #"{"w":\#($0.width),"h":\#($0.height)}"# }.joined(separator: ",")
            imp += #","banner":{"w":\#(sizes[0].width),"h":\#(sizes[0].height),"format":[\#(formats)]}"#
            if let floor = placement.floor {
                imp += #","bidfloor":\#(DecimalMoney.format(floor.value, fractionDigits: 6)),"bidfloorcur":"USD""#
            }
            return imp + "}"
        }
        var json = #"{"id":"\#(request.requestID)","imp":[\#(imps.joined(separator: ","))],"cur":["USD"],"tmax":500"#
        if !request.keywords.isEmpty { json += #","site":{"keywords":"\#(request.keywords.map(\.rawValue).joined(separator: ","))"}"# }
        var device: [String] = []
        if let type = request.device { device.append(#""devicetype":\#(openRTBDeviceType(type))"#) }
        if let os = request.operatingSystem { device.append(#""os":"\#(os.rawValue)""#) }
        if let country = request.country {
            device.append(#""geo":{"country":"\#(CountryCodes.alpha3(for: country) ?? country.rawValue)"}"#)
        }
        if !device.isEmpty { json += #","device":{\#(device.joined(separator: ","))}"# }
        if let user = request.userID { json += #","user":{"id":"\#(user)"}"# }
        return Array((json + "}").utf8)
    }

    static func openRTBDeviceType(_ type: DeviceType) -> Int {
        switch type {
        case .mobile: 4
        case .tablet: 5
        case .desktop: 2
        case .ctv: 3
        }
    }
}
