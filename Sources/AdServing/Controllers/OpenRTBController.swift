import Hummingbird
import VickreyCore
import VickreyWire

/// `POST /openrtb2/auction`: OpenRTB 2.6 BidRequest in, BidResponse out (204 for no bid).
///
/// Each impression becomes a placement (`tagid` when it is a valid placement id, else
/// `openrtb`) accepting what the imp offers — its banner's `w`/`h` and `format` sizes, its
/// `video`, its `native` request — in one auction across those formats; `bidfloor` is the
/// floor in exact micros. Impressions in a private auction, with a floor in another currency
/// or with audio only get no bid; so does a request whose `cur` excludes ours, or one that
/// could not be answered within its `tmax`. `docs/formats.md` states the video and native rules.
struct OpenRTBController<Context: RequestContext>: Sendable {
    static var defaultPlacement: PlacementID { PlacementID("openrtb")! }
    let decisions: AdDecisions
    let metrics: ServerMetrics
    /// Exchange rates for floors and answers in other currencies.
    let rates: LiveRates

    func addRoutes(to router: Router<Context>) {
        router.post("/openrtb2/auction") { request, _ in try await handle(request) }
    }

    func handle(_ request: Request) async throws -> Response {
        let started = ContinuousClock.now
        let body = try await readBody(request, limit: decisions.settings.limits.maximumBodyBytes)
        let bidRequest: OpenRTBRequest
        switch OpenRTBRequest.decode(body, limits: decisions.settings.limits) {
        case .success(let value): bidRequest = value
        case .failure(let error): throw APIError.invalid(error)
        }
        let currency = decisions.settings.currency
        let fresh = rates.fresh(at: decisions.now())
        let stale = rates.rates != nil && fresh == nil
        /// Why a currency other than ours cannot be used: stale rates, or no rate for it.
        func unpriceable(_ other: String) -> String { stale && rates.rates?.quotes(other) == true ? "stale_rates" : "currency" }
        // The answer's currency: the first of `cur` we can price (ours needs no rate).
        let answerCurrency: String
        if bidRequest.currencies.isEmpty || bidRequest.currencies.contains(currency) && bidRequest.currencies.first == currency {
            answerCurrency = currency
        } else if let first = bidRequest.currencies.first(where: {
            $0 == currency || (fresh?.quotes($0) == true && fresh?.quotes(currency) == true)
        }) {
            answerCurrency = first
        } else {
            metrics.openRTBSkipped(
                reason: bidRequest.currencies.contains(where: { unpriceable($0) == "stale_rates" }) ? "stale_rates" : "currency")
            return Response(status: .noContent)
        }
        var placements: [PlacementRequest] = []
        var impressionIDs: [PlacementID: String] = [:]
        /// Each placement's floor as the exchange sent it, in its own currency.
        var sentFloors: [PlacementID: (amount: Micros, currency: String)] = [:]
        for impression in bidRequest.impressions {
            guard let shape = impression.shape else {
                metrics.openRTBSkipped(reason: "unsupported_format")
                continue
            }
            var floor = impression.floor
            if impression.floorCurrency != currency, let foreign = impression.floor {
                // Converted exactly, rounded up: no bid ever clears under the publisher's floor.
                guard let converted = fresh?.convert(foreign, from: impression.floorCurrency, to: currency, rounding: .up) else {
                    metrics.openRTBSkipped(reason: unpriceable(impression.floorCurrency))
                    continue
                }
                floor = converted
            }
            // Placement ids must be unique within one auction request; a repeated tagid
            // keeps only its first impression.
            let placement = impression.tagID.flatMap(PlacementID.init) ?? Self.defaultPlacement
            guard impressionIDs[placement] == nil else {
                metrics.openRTBSkipped(reason: "duplicate_tagid")
                continue
            }
            impressionIDs[placement] = impression.id
            if let sent = impression.floor { sentFloors[placement] = (sent, impression.floorCurrency) }
            // Deal floors convert like the imp's; a deal whose floor cannot be priced is left out.
            var deals: [DealRequest] = []
            for parsed in impression.deals {
                var deal = parsed.deal
                let dealCurrency = parsed.currency ?? impression.floorCurrency
                if let sent = parsed.floor {
                    guard
                        let converted = dealCurrency == currency
                            ? sent : fresh?.convert(sent, from: dealCurrency, to: currency, rounding: .up)
                    else {
                        metrics.openRTBSkipped(reason: unpriceable(dealCurrency))
                        continue
                    }
                    deal.floor = converted
                }
                deals.append(deal)
            }
            guard !impression.privateAuction || !deals.isEmpty else {
                metrics.openRTBSkipped(reason: "private_auction")
                continue
            }
            placements.append(
                PlacementRequest(
                    id: placement, shape: shape, floor: floor, deals: deals, privateAuction: impression.privateAuction))
        }
        guard !placements.isEmpty else { return Response(status: .noContent) }
        var auction = AuctionRequest(
            requestID: bidRequest.id, userID: bidRequest.userID, device: bidRequest.device,
            operatingSystem: bidRequest.operatingSystem, country: bidRequest.country, keywords: bidRequest.keywords,
            placements: placements, time: decisions.now()
        )
        auction.isInvalidTraffic = decisions.isInvalidTraffic(userAgent: bidRequest.userAgent, address: bidRequest.ipAddress)
        let (outcome, signed) = decisions.run(auction, privacy: bidRequest.privacy, isTest: bidRequest.isTest)
        metrics.auction(outcome, endpoint: .openrtb)
        metrics.privacy(outcome.privacy, endpoint: .openrtb)
        if let tmax = bidRequest.maximumMilliseconds, ContinuousClock.now - started >= .milliseconds(tmax) {
            metrics.openRTBSkipped(reason: "tmax")
            return Response(status: .noContent)
        }
        guard !signed.isEmpty else { return Response(status: .noContent) }
        let bids = signed.map { signed in
            // The answer's price in its currency, rounded down (never more than the clearing
            // price); not below a floor sent in that currency, which the clearing price, being
            // at least the floor converted up, covers exactly.
            var price =
                fresh?.convert(signed.win.clearingECPM, from: currency, to: answerCurrency, rounding: .down) ?? signed.win.clearingECPM
            if let sent = sentFloors[signed.win.placementID], sent.currency == answerCurrency { price = max(price, sent.amount) }
            // Every placement auctioned was made from an imp, so its imp id is known.
            return OpenRTBResponse.Bid(
                id: signed.impressionID, impressionID: impressionIDs[signed.win.placementID] ?? signed.win.placementID.rawValue,
                win: signed.win, beacons: signed.beacons,
                shape: placements.first { $0.id == signed.win.placementID }?.shape ?? .banner([]), price: price)
        }
        return JSONResponse.bytes(OpenRTBResponse.write(requestID: bidRequest.id, bids: bids, currency: answerCurrency, seat: "vickrey"))
    }
}
