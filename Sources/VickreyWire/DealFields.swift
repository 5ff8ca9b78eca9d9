import VickreyCore

/// Deals as requests carry them: the native endpoint's `placements[].deals[]`
/// (`{"id", "floor_micros", "at"}`) and OpenRTB's `imp.pmp.deals[]` (`id`, `bidfloor`,
/// `bidfloorcur`, `at`, `wseat`, `wadomain`).
public enum DealFields {
    public static let maximumDeals = 100
    public static let maximumListLength = 100

    static func auctionType(_ reader: inout JSONReader) throws(FieldError) -> DealAuctionType {
        if try reader.readNull() { return .secondPrice }
        let value = try reader.readInteger()
        guard let type = DealAuctionType(rawValue: Int(value)) else {
            throw reader.fieldError("must be 1 (first price), 2 (second price) or 3 (fixed price)")
        }
        return type
    }

    static func native(_ reader: inout JSONReader) throws(FieldError) -> DealRequest {
        var deal = DealRequest(id: "")
        var sawID = false
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "id":
                deal.id = try reader.readString(maximumCharacters: 128)
                sawID = !deal.id.isEmpty
            case "floor_micros":
                if try reader.readNull() { return }
                let value = try reader.readInteger()
                guard (0...Micros.maximumBid.value).contains(value) else {
                    throw reader.fieldError("must be between 0 and \(Micros.maximumBid.value)")
                }
                deal.floor = Micros(value)
            case "at": deal.auctionType = try auctionType(&reader)
            default: throw reader.unknownField(key, known: ["id", "floor_micros", "at"])
            }
        }
        guard sawID else { throw reader.fieldError("id", "is required") }
        return deal
    }

    /// One `pmp.deals[]` entry; its floor stays in `currency` for the endpoint to convert.
    public struct OpenRTBDeal: Sendable {
        public var deal: DealRequest
        /// `bidfloor` as sent (exact micros of `currency`).
        public var floor: Micros?
        public var currency: String?
    }

    static func openRTB(_ reader: inout JSONReader, maximumIDCharacters: Int) throws(FieldError) -> OpenRTBDeal {
        var parsed = OpenRTBDeal(deal: DealRequest(id: ""), floor: nil, currency: nil)
        var sawID = false
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "id":
                parsed.deal.id = try reader.readString(maximumCharacters: maximumIDCharacters)
                sawID = !parsed.deal.id.isEmpty
            case "bidfloor":
                if try reader.readNull() { return }
                let text = try reader.readNumber()
                guard !DecimalText.isNegative(text) else { throw reader.fieldError("must be zero or more") }
                guard let micros = DecimalText.micros(fromCurrency: text) else { throw reader.fieldError("is too large") }
                parsed.floor = micros
            case "bidfloorcur":
                if try reader.readNull() { return }
                parsed.currency = try reader.readString(maximumCharacters: 8).uppercased()
            case "at": parsed.deal.auctionType = try auctionType(&reader)
            case "wseat": parsed.deal.seats = try strings(&reader)
            case "wadomain": parsed.deal.advertiserDomains = try strings(&reader)
            default: try reader.skipValue()
            }
        }
        guard sawID else { throw reader.fieldError("id", "is required") }
        return parsed
    }

    private static func strings(_ reader: inout JSONReader) throws(FieldError) -> [String] {
        if try reader.readNull() { return [] }
        var values: [String] = []
        try reader.readArray(maximumCount: maximumListLength) { reader, _ throws(FieldError) in
            values.append(try reader.readString(maximumCharacters: 256))
        }
        return values
    }
}
