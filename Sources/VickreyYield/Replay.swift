import VickreyCore

/// Counterfactual replay of logged auctions: each logged placement auction is decided
/// again by the auction's own code (`Auctioneer.replay`) over its logged eligible
/// candidates, under other parameters. Bids are held fixed and every logged candidate
/// stays eligible (no budget, pacing or frequency-cap effects, no change in who shows
/// up), and placements are replayed one by one (a campaign that won an earlier placement
/// of the request stays out, as it was logged). With the logged parameters it decides
/// every auction exactly as logged.
public enum Replay {
    /// Parameters to replay under; nil keeps each auction's logged value.
    public struct Parameters: Hashable, Sendable {
        public var minimumFloor: Micros?
        public var increment: Micros?
        public var floorMultiplierPPM: Int64?

        public init(minimumFloor: Micros? = nil, increment: Micros? = nil, floorMultiplierPPM: Int64? = nil) {
            self.minimumFloor = minimumFloor
            self.increment = increment
            self.floorMultiplierPPM = floorMultiplierPPM
        }

        /// Whether every auction keeps its logged parameters.
        public var isLogged: Bool { minimumFloor == nil && increment == nil && floorMultiplierPPM == nil }
    }

    /// Logged against replayed, over every auction read. Revenue is the sum of clearing
    /// eCPMs in nanos: what the impressions earn (exactly, for CPM; in expectation at the
    /// scored CTR, for CPC).
    public struct Summary: Hashable, Sendable {
        public var parameters: Parameters
        public var auctions: Int64 = 0
        public var loggedFills: Int64 = 0
        public var replayedFills: Int64 = 0
        public var loggedRevenue = Nanos.zero
        public var replayedRevenue = Nanos.zero
        /// Auctions whose winner or clearing price differ from the log.
        public var changed: Int64 = 0

        public init(parameters: Parameters) { self.parameters = parameters }

        /// Revenue per 1000 auctions, in micros (rounded down).
        public static func rpm(_ revenue: Nanos, auctions: Int64) -> Int64 { auctions == 0 ? 0 : revenue.value / auctions }
    }

    /// Decides one logged auction again under `parameters`.
    public static func decide(_ line: AuctionLogLine, under parameters: Parameters) -> PlacementResult {
        let record = line.record
        var rules = record.rules
        if let floor = parameters.minimumFloor { rules.minimumFloor = floor }
        if let increment = parameters.increment { rules.increment = increment }
        if let multiplier = parameters.floorMultiplierPPM { rules.floorMultiplierPPM = multiplier }
        // Sizes already matched when the auction was logged; the replayed campaigns have one
        // creative that any placement without sizes accepts.
        let placement = PlacementRequest(id: record.placement.id, floor: record.placement.floor)
        return Auctioneer(rules: rules).replay(
            requestID: line.requestID, position: record.position, placement: placement, candidates: record.candidates)
    }

    /// Adds one auction to `summary`.
    public static func add(_ line: AuctionLogLine, to summary: inout Summary) {
        summary.auctions += 1
        if let clearing = line.record.clearingECPM {
            summary.loggedFills += 1
            summary.loggedRevenue = summary.loggedRevenue + Nanos(clearing.value)
        }
        switch decide(line, under: summary.parameters) {
        case .filled(let win):
            summary.replayedFills += 1
            summary.replayedRevenue = summary.replayedRevenue + Nanos(win.clearingECPM.value)
            if win.campaignID != line.record.winner || win.clearingECPM != line.record.clearingECPM { summary.changed += 1 }
        case .unfilled:
            if line.record.winner != nil { summary.changed += 1 }
        }
    }

    /// Replays `lines` under each of `grid`'s parameters.
    public static func run(_ lines: [AuctionLogLine], grid: [Parameters]) -> [Summary] {
        grid.map { parameters in
            var summary = Summary(parameters: parameters)
            for line in lines { add(line, to: &summary) }
            return summary
        }
    }
}
