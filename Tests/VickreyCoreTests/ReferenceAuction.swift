import VickreyCore

/// A deliberately naive implementation of the contract's auction, written from the
/// product brief alone: it checks every campaign against every rule, in the most
/// direct way, and is the oracle the index and the auctioneer are compared with.
enum ReferenceAuction {
    struct Result: Equatable {
        var campaign: String
        var clearing: Int64
        var price: Int64
    }

    static func matches(_ c: Campaign, _ request: AuctionRequest, _ placement: PlacementRequest) -> Bool {
        let t = c.targeting
        func ok<V: Hashable>(_ values: [V], _ include: Set<V>, _ exclude: Set<V>) -> Bool {
            if !include.isEmpty && !values.contains(where: { include.contains($0) }) { return false }
            return !values.contains(where: { exclude.contains($0) })
        }
        return c.creatives.contains { fits($0, placement.shape) }
            && ok([placement.id], t.placements, t.exclude.placements)
            && ok(request.country.map { [$0] } ?? [], t.countries, t.exclude.countries)
            && ok(request.device.map { [$0] } ?? [], t.devices, t.exclude.devices)
            && ok(request.operatingSystem.map { [$0] } ?? [], t.operatingSystems, t.exclude.operatingSystems)
            && ok(request.keywords, Set(t.keywords), Set(t.exclude.keywords))
    }

    /// docs/formats.md, rule by rule: a banner of an accepted size (any when none is
    /// listed); a video whose duration, mimes, protocols and skippability the slot takes; a
    /// native creative with a value for every required asset within its limits.
    static func fits(_ creative: Creative, _ shape: AdShape) -> Bool {
        if let video = creative.video {
            guard let slot = shape.video else { return false }
            if let protocols = slot.protocols, Set(protocols).isDisjoint(with: [2, 3, 7, 11, 13]) { return false }
            if let minimum = slot.minimumDuration, video.durationSeconds < minimum { return false }
            if let maximum = slot.maximumDuration, maximum > 0, video.durationSeconds > maximum { return false }
            if video.skipAfterSeconds != nil, slot.skip == false || slot.blocksSkippable { return false }
            if video.skipAfterSeconds != nil, let skipMinimum = slot.skipMinimum, video.durationSeconds <= skipMinimum { return false }
            return video.mediaFiles.contains { slot.mimes.isEmpty || slot.mimes.contains($0.mime) }
        }
        if let native = creative.native {
            guard let slot = shape.native else { return false }
            return slot.assets.allSatisfy { asset in
                guard asset.isRequired else { return true }
                func within(_ text: String?, _ limit: Int?) -> Bool { text != nil && (limit ?? 0 == 0 || text!.count <= limit!) }
                switch asset.kind {
                case .title(let limit): return within(native.title, limit)
                case .image(3, let w, let h): return native.imageWidth >= (w ?? 0) && native.imageHeight >= (h ?? 0)
                case .image(1, _, _): return native.iconURL != nil
                case .data(1, let limit): return within(native.sponsoredBy, limit)
                case .data(2, let limit): return within(native.description, limit)
                case .data(12, let limit): return within(native.callToAction, limit)
                default: return false
                }
            }
        }
        guard let sizes = shape.banner else { return false }
        return sizes.isEmpty || sizes.contains(creative.size)
    }

    /// Hour of week from first principles: hours since the first Monday after the epoch.
    static func hourOfWeek(_ time: Instant, offsetSeconds: Int) -> Int {
        let firstMonday: Int64 = 4 * 86_400  // 1970-01-05T00:00Z
        var hours = (time.secondsSinceEpoch + Int64(offsetSeconds) - firstMonday) / 3_600
        if (time.secondsSinceEpoch + Int64(offsetSeconds) - firstMonday) < 0 { hours -= 1 }
        return Int(((hours % 168) + 168) % 168)
    }

    static func inHours(_ c: Campaign, _ request: AuctionRequest, offsets: [String: Int]) -> Bool {
        let hour = hourOfWeek(request.time, offsetSeconds: offsets[c.timeZone.identifier]!)
        let include = c.targeting.hoursOfWeek
        if !include.isEmpty && !include.contains(hour) { return false }
        return !c.targeting.exclude.hoursOfWeek.contains(hour)
    }

    static func score(_ c: Campaign) -> Int64 {
        switch c.pricing {
        case .cpm: c.bid.value
        case .cpc: c.bid.value * c.predictedCTR!.partsPerMillion / 1000
        case .cpcv: c.bid.value * c.predictedCompletionRate!.partsPerMillion / 1000
        case .vcpm: c.bid.value * c.predictedViewability!.partsPerMillion / 1_000_000
        }
    }

    /// Per unit of the winner's pricing.
    static func price(_ c: Campaign, clearing: Int64) -> Int64 {
        switch c.pricing {
        case .cpm: clearing
        case .cpc: clearing * 1000 / c.predictedCTR!.partsPerMillion
        case .cpcv: clearing * 1000 / c.predictedCompletionRate!.partsPerMillion
        case .vcpm: clearing * 1_000_000 / c.predictedViewability!.partsPerMillion
        }
    }

    static func run(
        _ campaigns: [Campaign], _ request: AuctionRequest, rules: AuctionRules, policy: some EligibilityPolicy,
        offsets: [String: Int]
    ) -> [Result?] {
        var won = Set<CampaignID>()
        var results: [Result?] = []
        for (position, placement) in request.placements.enumerated() {
            let floor = max(rules.minimumFloor.value, rules.placementFloors[placement.id]?.value ?? 0, placement.floor?.value ?? 0)
            var eligible = campaigns.filter { c in
                c.status == .active && !c.creatives.isEmpty && matches(c, request, placement) && inHours(c, request, offsets: offsets)
                    && !won.contains(c.id) && (c.start.map { request.time >= $0 } ?? true) && (c.end.map { request.time < $0 } ?? true)
                    && score(c) >= floor && policy.screen(IndexedCampaign(c), request: request) == .eligible
            }
            var generator = TieBreakGenerator(requestID: request.requestID, stream: UInt64(position))
            var result: Result? = nil
            while !eligible.isEmpty {
                let top = eligible.map(score).max()!
                let tier = eligible.filter { score($0) == top }.sorted { $0.id.rawValue < $1.id.rawValue }
                let pick = tier.count == 1 ? tier[0] : tier[generator.index(below: tier.count)]
                if policy.claim(IndexedCampaign(pick), request: request) == nil {
                    eligible.removeAll { $0.id == pick.id }
                    continue
                }
                let runnerUp = eligible.filter { $0.advertiserID != pick.advertiserID }.map(score).max()
                let clearing = runnerUp.map { min(top, max($0 + rules.increment.value, floor)) } ?? floor
                let price = price(pick, clearing: clearing)
                won.insert(pick.id)
                result = Result(campaign: pick.id.rawValue, clearing: clearing, price: price)
                break
            }
            results.append(result)
        }
        return results
    }
}
