import ArgumentParser
import Foundation
import VickreyCore
import VickreyWire

/// Every campaign field as a flag. `create` requires some of them; `update` changes
/// only those given. Values are applied to the campaign's JSON document and validated
/// by the same code as `campaign import`, so the CLI and imports accept the same things.
struct CampaignFieldOptions: ParsableArguments {
    @Option(help: "Display name.") var name: String?
    @Option(help: "Advertiser id.") var advertiser: String?
    @Option(
        help:
            "cpm (bid per 1000 impressions), cpc (bid per click), vcpm (bid per 1000 viewable impressions) or cpcv (bid per completed video view)."
    )
    var pricing: String?
    @Option(parsing: .unconditional, help: "Bid in currency units, e.g. 2.50 (at most six decimals).") var bid: String?
    @Option(parsing: .unconditional, help: "Predicted CTR prior for cpc, in (0, 1], e.g. 0.012.") var ctr: String?
    @Option(parsing: .unconditional, help: "Predicted viewability prior for vcpm, in (0, 1], e.g. 0.65.") var viewability: String?
    @Option(
        name: .customLong("completion-rate"), parsing: .unconditional,
        help: "Predicted completion rate prior for cpcv, in (0, 1], e.g. 0.7.")
    var completionRate: String?
    @Option(name: .customLong("daily-budget"), parsing: .unconditional, help: "Daily budget in currency units.") var dailyBudget: String?
    @Flag(name: .customLong("no-daily-budget"), help: "Remove the daily budget.") var noDailyBudget = false
    @Option(name: .customLong("total-budget"), parsing: .unconditional, help: "Lifetime budget in currency units.") var totalBudget: String?
    @Option(help: "Flight start, RFC 3339 (2026-11-01T00:00:00Z).") var start: String?
    @Option(help: "Flight end (exclusive), RFC 3339.") var end: String?
    @Flag(name: .customLong("no-end"), help: "Remove the flight end.") var noEnd = false
    @Option(name: .customLong("time-zone"), help: "IANA time zone for the day and hours of the week (default UTC).") var timeZone: String?
    @Option(help: "asap or even.") var pacing: String?
    @Option(name: .customLong("frequency-cap"), help: "N/WINDOW impressions per user, WINDOW in s, m, h or d: 3/24h.") var frequencyCap:
        String?
    @Flag(name: .customLong("no-frequency-cap"), help: "Remove the frequency cap.") var noFrequencyCap = false
    @Option(name: .customLong("refuse-anonymous"), help: "true: with a frequency cap, stay out of requests without a user id.")
    var refuseAnonymous: Bool?
    @Option(help: "Include list (comma-separated; empty string: any).") var placements: String?
    @Option(help: "Include list of ISO alpha-2 codes: US,CA.") var countries: String?
    @Option(help: "Include list: mobile, tablet, desktop, ctv.") var devices: String?
    @Option(help: "Include list: ios, android, windows, macos, linux, other.") var os: String?
    @Option(help: "Include list of keywords or interests.") var keywords: String?
    @Option(help: "Hours of the week to serve, 0–167 (0 = Monday 00:00): 8-22,32-46.") var hours: String?
    @Option(name: .customLong("exclude-placements")) var excludePlacements: String?
    @Option(name: .customLong("exclude-countries")) var excludeCountries: String?
    @Option(name: .customLong("exclude-devices")) var excludeDevices: String?
    @Option(name: .customLong("exclude-os")) var excludeOS: String?
    @Option(name: .customLong("exclude-keywords")) var excludeKeywords: String?
    @Option(name: .customLong("exclude-hours"), help: "Hours of the week not to serve.") var excludeHours: String?
    @Option(
        help: ArgumentHelp(
            "A creative (repeatable; replaces all): id=cr-1,size=300x250,image=URL,click=URL[,adomain=a.example;b.example]",
            valueName: "spec"
        )
    )
    var creative: [String] = []
    @Option(
        name: .customLong("creative-json"),
        help: ArgumentHelp(
            "A creative of any format as campaign JSON (repeatable; with --creative, replaces all, after them): "
                + #"{"id":"v-1","format":"video","video":{…},"click_url":"…"} (docs/campaign-json.md)"#, valueName: "json"))
    var creativeJSON: [String] = []
    @Option(
        help: ArgumentHelp(
            "A deal the campaign bids in (repeatable; replaces all), with its own floor in currency units: deal-1 or deal-1:4.00",
            valueName: "id[:floor]"))
    var deal: [String] = []
    @Flag(name: .customLong("no-deals"), help: "Take the campaign out of every deal.") var noDeals = false

    /// Applies the given flags to `document`.
    func apply(to document: inout CampaignDocument) throws {
        if let name { document.name = name }
        if let advertiser { document.advertiserID = advertiser }
        if let pricing {
            document.pricing = pricing
            // A prior the new pricing has no use for goes with the old one.
            if pricing != "cpc", ctr == nil { document.predictedCTR = nil }
            if pricing != "vcpm", viewability == nil { document.predictedViewability = nil }
            if pricing != "cpcv", completionRate == nil { document.predictedCompletionRate = nil }
        }
        if let bid { document.bidMicros = try Self.money(bid, flag: "--bid", maximum: .maximumBid).value }
        if let ctr { document.predictedCTR = try Self.rate(ctr, flag: "--ctr") }
        if let viewability { document.predictedViewability = try Self.rate(viewability, flag: "--viewability") }
        if let completionRate { document.predictedCompletionRate = try Self.rate(completionRate, flag: "--completion-rate") }
        if let dailyBudget { document.dailyBudgetMicros = try Self.money(dailyBudget, flag: "--daily-budget").value }
        if noDailyBudget { document.dailyBudgetMicros = nil }
        if let totalBudget { document.totalBudgetMicros = try Self.money(totalBudget, flag: "--total-budget").value }
        if let start { document.start = start }
        if let end { document.end = end }
        if noEnd { document.end = nil }
        if let timeZone { document.timeZone = timeZone }
        if let pacing { document.pacing = pacing }
        if let frequencyCap {
            var cap = try Self.cap(frequencyCap)
            cap.refuseAnonymous = document.frequencyCap?.refuseAnonymous ?? false
            document.frequencyCap = cap
        }
        if noFrequencyCap { document.frequencyCap = nil }
        if let refuseAnonymous {
            guard document.frequencyCap != nil else {
                throw CommandFailure.usage("--refuse-anonymous needs a frequency cap (--frequency-cap N/WINDOW)")
            }
            document.frequencyCap?.refuseAnonymous = refuseAnonymous
        }
        var targeting = document.targeting ?? TargetingDocument()
        var exclude = targeting.exclude ?? ExclusionDocument()
        if let placements { targeting.placements = Self.list(placements) }
        if let countries { targeting.countries = Self.list(countries).map { $0.uppercased() } }
        if let devices { targeting.devices = Self.list(devices) }
        if let os { targeting.os = Self.list(os) }
        if let keywords { targeting.keywords = Self.list(keywords) }
        if let hours { targeting.hoursOfWeek = try Self.hours(hours, flag: "--hours") }
        if let excludePlacements { exclude.placements = Self.list(excludePlacements) }
        if let excludeCountries { exclude.countries = Self.list(excludeCountries).map { $0.uppercased() } }
        if let excludeDevices { exclude.devices = Self.list(excludeDevices) }
        if let excludeOS { exclude.os = Self.list(excludeOS) }
        if let excludeKeywords { exclude.keywords = Self.list(excludeKeywords) }
        if let excludeHours { exclude.hoursOfWeek = try Self.hours(excludeHours, flag: "--exclude-hours") }
        targeting.exclude = exclude
        document.targeting = targeting
        if !creative.isEmpty || !creativeJSON.isEmpty {
            document.creatives = try creative.map(Self.creative) + creativeJSON.map(Self.creativeDocument)
        }
        if noDeals { document.deals = nil }
        if !deal.isEmpty {
            document.deals = try deal.map { spec in
                let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                guard let id = parts.first, !id.isEmpty else { throw CommandFailure.usage("--deal: '\(spec)' must be ID or ID:FLOOR") }
                let floor = try parts.count == 2 ? Self.money(String(parts[1]), flag: "--deal", maximum: .maximumBid).value : nil
                return DealDocument(id: String(id), floorMicros: floor)
            }
        }
    }

    /// A rate per impression given on the command line, in (0, 1].
    static func rate(_ text: String, flag: String) throws -> Decimal {
        guard ClickThroughRate(decimal: text) != nil, let decimal = Decimal(string: text) else {
            throw CommandFailure.usage("\(flag): '\(text)' must be a number greater than 0 and at most 1")
        }
        return decimal
    }

    /// The flag a campaign JSON field is set with, for error messages.
    static func flag(for field: String) -> String {
        let base = field.split(separator: "[").first.map(String.init) ?? field
        let flags = [
            "id": "campaign id", "advertiser_id": "--advertiser", "name": "--name", "status": "--status", "pricing": "--pricing",
            "bid_micros": "--bid", "predicted_ctr": "--ctr", "predicted_viewability": "--viewability",
            "predicted_completion_rate": "--completion-rate",
            "daily_budget_micros": "--daily-budget",
            "total_budget_micros": "--total-budget", "start": "--start", "end": "--end", "time_zone": "--time-zone",
            "pacing": "--pacing", "frequency_cap.impressions": "--frequency-cap", "frequency_cap.window_seconds": "--frequency-cap",
            "targeting.placements": "--placements", "targeting.countries": "--countries", "targeting.devices": "--devices",
            "targeting.os": "--os", "targeting.keywords": "--keywords", "targeting.hours_of_week": "--hours",
            "targeting.exclude.placements": "--exclude-placements", "targeting.exclude.countries": "--exclude-countries",
            "targeting.exclude.devices": "--exclude-devices", "targeting.exclude.os": "--exclude-os",
            "targeting.exclude.keywords": "--exclude-keywords", "targeting.exclude.hours_of_week": "--exclude-hours",
        ]
        if base.hasPrefix("creatives") {
            // `creatives[1].click_url` → `--creative (the 2nd) click_url`, so the part at fault is named.
            let part = field.split(separator: ".", maxSplits: 1).dropFirst().first.map { " \($0)" } ?? ""
            let index = field.dropFirst("creatives[".count).prefix { $0.isNumber }
            return "--creative" + (Int(index).map { " #\($0 + 1)" } ?? "") + part
        }
        if base.hasPrefix("deals") { return "--deal" }
        return flags[base] ?? field
    }

    static func money(_ text: String, flag: String, maximum: Micros = .maximum) throws -> Micros {
        switch DecimalMoney.parseMicros(text, maximum: maximum) {
        case .success(let micros): return micros
        case .failure(.tooLarge):
            throw CommandFailure.usage("\(flag): '\(text)' is over the maximum of \(DecimalMoney.formatCurrency(maximum))")
        case .failure(let error): throw CommandFailure.usage("\(flag): \(error.description)")
        }
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func hours(_ text: String, flag: String) throws -> [Int] {
        var hours: [Int] = []
        for part in list(text) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard (1...2).contains(bounds.count), let low = bounds[0], let high = bounds.count == 2 ? bounds[1] : low,
                0 <= low, low <= high, high < HoursOfWeek.count
            else { throw CommandFailure.usage("\(flag): '\(part)' is not an hour or range within 0–167 (0 = Monday 00:00)") }
            hours += Array(low...high)
        }
        return hours
    }

    static func cap(_ text: String) throws -> FrequencyCapDocument {
        let usage = CommandFailure.usage("--frequency-cap: '\(text)' is not N/WINDOW like 3/24h (units s, m, h, d)")
        let parts = text.split(separator: "/")
        guard parts.count == 2, let impressions = Int(parts[0]), let unit = parts[1].last else { throw usage }
        let multiplier: Int64 =
            switch unit {
            case "s": 1
            case "m": 60
            case "h": 3600
            case "d": 86_400
            default: 0
            }
        let amountText = unit.isNumber ? parts[1] : parts[1].dropLast()
        guard let amount = Int64(amountText), amount > 0, amount <= 366 * 86_400 else { throw usage }
        return FrequencyCapDocument(impressions: impressions, windowSeconds: amount * (unit.isNumber ? 1 : multiplier))
    }

    /// Parses `id=…,size=…,image=…,click=…[,adomain=a;b]`; URLs may contain commas, so
    /// a comma splits only when a known key follows it.
    static func creative(_ spec: String) throws -> CreativeDocument {
        let keys = ["id", "size", "image", "click", "adomain"]
        var fields: [String: String] = [:]
        var currentKey: String?
        var value = ""
        func finish() { if let currentKey { fields[currentKey] = value } }
        for piece in spec.split(separator: ",", omittingEmptySubsequences: false) {
            if let equals = piece.firstIndex(of: "="), keys.contains(String(piece[..<equals])) {
                finish()
                currentKey = String(piece[..<equals])
                value = String(piece[piece.index(after: equals)...])
            } else if currentKey != nil {
                value += "," + piece
            } else {
                throw CommandFailure.usage("--creative: '\(spec)' must be id=…,size=…,image=…,click=…[,adomain=…]")
            }
        }
        finish()
        guard let id = fields["id"], let size = fields["size"], let image = fields["image"], let click = fields["click"] else {
            let missing = ["id", "size", "image", "click"].filter { fields[$0] == nil }.joined(separator: ", ")
            throw CommandFailure.usage("--creative: missing \(missing) in '\(spec)'")
        }
        let domains = fields["adomain"].map { $0.split(separator: ";").map(String.init) } ?? []
        return CreativeDocument(id: id, size: size, imageURL: image, clickURL: click, adomain: domains)
    }

    /// `--creative-json`: one creative object of the campaign JSON (its values are checked
    /// with the rest of the campaign, the error naming `creatives[N]…`).
    static func creativeDocument(_ json: String) throws -> CreativeDocument {
        do {
            return try CreativeDocument.decode(json).get()
        } catch {
            throw CommandFailure.usage("--creative-json: '\(json.prefix(80))' is not a creative object of the campaign JSON")
        }
    }
}
