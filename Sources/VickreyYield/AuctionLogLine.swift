import VickreyCore
import VickreyWire

/// One line of the auction log: a placement auction with the request's dimensions (no
/// user id), the floor's parts, the increment, every candidate eligible at any floor with
/// its advertiser and eCPM score, and the winner and price. `docs/yield.md` lists the
/// fields; `adctl replay` reads them back.
public struct AuctionLogLine: Hashable, Sendable {
    public var time: Instant
    public var requestID: String
    public var country: CountryCode?
    public var device: DeviceType?
    public var operatingSystem: OperatingSystem?
    public var keywords: [String]
    public var record: AuctionRecord

    public init(request: AuctionRequest, record: AuctionRecord) {
        self.time = request.time
        self.requestID = request.requestID
        self.country = request.country
        self.device = request.device
        self.operatingSystem = request.operatingSystem
        self.keywords = request.keywords.map(\.rawValue)
        self.record = record
    }

    public static let maximumLineBytes = 16 * 1024 * 1024
    public static let maximumCandidates = 200_000

    /// The line as JSON (no trailing newline).
    public var json: String {
        var out = JSONWriter(capacity: 512 + record.candidates.count * 80)
        out.beginObject()
        out.field("time", time.rfc3339Milliseconds)
        out.field("request_id", requestID)
        out.field("position", record.position)
        out.field("placement_id", record.placement.id.rawValue)
        out.key("sizes")
        out.stringArray(record.placement.sizes.map(\.description))
        out.field("country", country?.rawValue)
        out.field("device", device?.rawValue)
        out.field("os", operatingSystem?.rawValue)
        out.key("keywords")
        out.stringArray(keywords)
        out.field("experiment", record.experiment?.experimentID.rawValue)
        out.field("arm", record.experiment?.arm.rawValue)
        out.key("floor")
        out.beginObject()
        out.field("minimum_micros", record.minimumFloor.value)
        out.field("placement_micros", record.placementFloor?.value)
        out.field("request_micros", record.placement.floor?.value)
        out.field("multiplier_ppm", record.floorMultiplierPPM)
        out.field("floor_micros", record.floor.value)
        out.endObject()
        out.field("increment_micros", record.increment.value)
        out.key("candidates")
        out.beginArray()
        for candidate in record.candidates {
            out.beginObject()
            out.field("campaign_id", candidate.campaignID.rawValue)
            out.field("advertiser_id", candidate.advertiserID.rawValue)
            out.field("score_micros", candidate.score.value)
            out.endObject()
        }
        out.endArray()
        out.field("winner", record.winner?.rawValue)
        out.field("clearing_ecpm_micros", record.clearingECPM?.value)
        out.field("price_micros", record.price?.value)
        out.endObject()
        return out.text
    }

    /// Reads one line back; throws naming the field at fault.
    public init(json line: some Collection<UInt8>) throws(FieldError) {
        guard line.count <= Self.maximumLineBytes else {
            throw FieldError(field: nil, message: "longer than \(Self.maximumLineBytes) bytes")
        }
        var reader = JSONReader(Array(line))
        var time: Instant?
        var requestID: String?
        var position: Int?
        var placementID: PlacementID?
        var sizes: [AdSize] = []
        var country: CountryCode?
        var device: DeviceType?
        var os: OperatingSystem?
        var keywords: [String] = []
        var experimentID: String?
        var arm: String?
        var floor = FloorParts()
        var increment: Int64?
        var candidates: [RecordedCandidate] = []
        var winner: CampaignID?
        var clearing: Int64?
        var price: Int64?
        func id<ID: ValidatedIdentifier>(_ reader: inout JSONReader, _: ID.Type) throws(FieldError) -> ID {
            let text = try reader.readString(maximumBytes: 256)
            guard let id = ID(text) else { throw reader.fieldError("'\(text)' is not a valid id") }
            return id
        }
        func optionalInteger(_ reader: inout JSONReader) throws(FieldError) -> Int64? {
            try reader.readNull() ? nil : try reader.readInteger()
        }
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "time":
                let text = try reader.readString(maximumBytes: 64)
                guard let parsed = Instant(canonicalRFC3339Milliseconds: text) else { throw reader.fieldError("not a time: '\(text)'") }
                time = parsed
            case "request_id": requestID = try reader.readString(maximumBytes: 1_024)
            case "position": position = Int(try reader.readInteger())
            case "placement_id": placementID = try id(&reader, PlacementID.self)
            case "sizes":
                try reader.readArray(maximumCount: 1_000) { reader, _ throws(FieldError) in
                    let text = try reader.readString(maximumBytes: 32)
                    guard let size = AdSize(text) else { throw reader.fieldError("not a size: '\(text)'") }
                    sizes.append(size)
                }
            case "country":
                if try !reader.readNull() { country = CountryCode(try reader.readString(maximumBytes: 8)) }
            case "device":
                if try !reader.readNull() { device = DeviceType(rawValue: try reader.readString(maximumBytes: 32)) }
            case "os":
                if try !reader.readNull() { os = OperatingSystem(rawValue: try reader.readString(maximumBytes: 32)) }
            case "keywords":
                try reader.readArray(maximumCount: 10_000) { reader, _ throws(FieldError) in
                    keywords.append(try reader.readString(maximumBytes: 1_024))
                }
            case "experiment": experimentID = try reader.readNull() ? nil : try reader.readString(maximumBytes: 256)
            case "arm": arm = try reader.readNull() ? nil : try reader.readString(maximumBytes: 256)
            case "floor":
                try reader.readObject { reader, key throws(FieldError) in
                    switch key {
                    case "minimum_micros": floor.minimum = try reader.readInteger()
                    case "placement_micros": floor.placement = try optionalInteger(&reader)
                    case "request_micros": floor.request = try optionalInteger(&reader)
                    case "multiplier_ppm": floor.multiplier = try reader.readInteger()
                    case "floor_micros": floor.used = try reader.readInteger()
                    default: try reader.skipValue()
                    }
                }
            case "increment_micros": increment = try reader.readInteger()
            case "candidates":
                try reader.readArray(maximumCount: Self.maximumCandidates) { reader, _ throws(FieldError) in
                    var campaign: CampaignID?
                    var advertiser: AdvertiserID?
                    var score: Int64?
                    try reader.readObject { reader, key throws(FieldError) in
                        switch key {
                        case "campaign_id": campaign = try id(&reader, CampaignID.self)
                        case "advertiser_id": advertiser = try id(&reader, AdvertiserID.self)
                        case "score_micros": score = try reader.readInteger()
                        default: try reader.skipValue()
                        }
                    }
                    guard let campaign, let advertiser, let score else {
                        throw reader.fieldError("needs campaign_id, advertiser_id and score_micros")
                    }
                    candidates.append(RecordedCandidate(campaignID: campaign, advertiserID: advertiser, score: Micros(score)))
                }
            case "winner": winner = try reader.readNull() ? nil : try id(&reader, CampaignID.self)
            case "clearing_ecpm_micros": clearing = try optionalInteger(&reader)
            case "price_micros": price = try optionalInteger(&reader)
            default: try reader.skipValue()  // fields added later
            }
        }
        try reader.expectEnd()
        guard let time else { throw FieldError(field: "time", message: "missing") }
        guard let requestID else { throw FieldError(field: "request_id", message: "missing") }
        guard let position, position >= 0 else { throw FieldError(field: "position", message: "missing or negative") }
        guard let placementID else { throw FieldError(field: "placement_id", message: "missing") }
        guard let minimum = floor.minimum, let multiplier = floor.multiplier, let used = floor.used else {
            throw FieldError(field: "floor", message: "needs minimum_micros, multiplier_ppm and floor_micros")
        }
        guard let increment else { throw FieldError(field: "increment_micros", message: "missing") }
        var tag: ExperimentTag?
        if let experimentID, let arm, let id = ExperimentID(experimentID), let armName = ArmName(arm) {
            tag = ExperimentTag(experimentID: id, arm: armName, bucket: 0)
        }
        self.time = time
        self.requestID = requestID
        self.country = country
        self.device = device
        self.operatingSystem = os
        self.keywords = keywords
        self.record = AuctionRecord(
            placement: PlacementRequest(id: placementID, sizes: sizes, floor: floor.request.map(Micros.init)), position: position,
            minimumFloor: Micros(minimum), placementFloor: floor.placement.map(Micros.init), floorMultiplierPPM: multiplier,
            increment: Micros(increment), floor: Micros(used), experiment: tag, candidates: candidates, winner: winner,
            clearingECPM: clearing.map(Micros.init), price: price.map(Micros.init))
    }

    private struct FloorParts {
        var minimum: Int64?
        var placement: Int64?
        var request: Int64?
        var multiplier: Int64?
        var used: Int64?
    }
}
