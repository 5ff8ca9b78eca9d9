import VickreyCore
import VickreyWire

/// A campaign as columns, the same on both engines: what a save writes and a load reads
/// back before it becomes a `Campaign` again. Money in integer micros, times as RFC 3339
/// UTC text, hours of the week as ranges like `8-22,32-46`.
struct CampaignRow: Sendable {
    var id: String
    var advertiserID: String
    var name: String
    var status: String
    var pricing: String
    var bidMicros: Int64
    var predictedCTRPartsPerMillion: Int64?
    var dailyBudgetMicros: Int64?
    var totalBudgetMicros: Int64
    var startAt: String?
    var endAt: String?
    var timeZone: String
    var pacing: String
    var frequencyCapImpressions: Int64?
    var frequencyCapWindowSeconds: Int64?
    var frequencyCapRefusesAnonymous: Bool
    var hoursOfWeek: String
    var excludedHoursOfWeek: String
    /// The campaign's deals as `id` or `id:floor_micros`, comma-separated ('' for none).
    var deals: String = ""
    var predictedViewabilityPartsPerMillion: Int64? = nil
    var predictedCompletionPartsPerMillion: Int64? = nil
    /// The line-item terms as the campaign JSON's `delivery`, `exclusion_labels` and
    /// `roadblock` (`LineItemFields`); nil for a plain auction campaign.
    var lineItem: String? = nil
    /// `Campaign.spendCap` when it is below the total budget (a standard line item's goal
    /// at its rate), for the fleet's lease SQL; nil otherwise.
    var spendCapNanos: Int64? = nil

    init(
        id: String, advertiserID: String, name: String, status: String, pricing: String, bidMicros: Int64,
        predictedCTRPartsPerMillion: Int64?, dailyBudgetMicros: Int64?, totalBudgetMicros: Int64, startAt: String?,
        endAt: String?, timeZone: String, pacing: String, frequencyCapImpressions: Int64?, frequencyCapWindowSeconds: Int64?,
        frequencyCapRefusesAnonymous: Bool, hoursOfWeek: String, excludedHoursOfWeek: String, deals: String = "",
        predictedViewabilityPartsPerMillion: Int64? = nil, predictedCompletionPartsPerMillion: Int64? = nil, lineItem: String? = nil
    ) {
        self.lineItem = lineItem
        self.predictedCompletionPartsPerMillion = predictedCompletionPartsPerMillion
        self.deals = deals
        self.predictedViewabilityPartsPerMillion = predictedViewabilityPartsPerMillion
        self.id = id
        self.advertiserID = advertiserID
        self.name = name
        self.status = status
        self.pricing = pricing
        self.bidMicros = bidMicros
        self.predictedCTRPartsPerMillion = predictedCTRPartsPerMillion
        self.dailyBudgetMicros = dailyBudgetMicros
        self.totalBudgetMicros = totalBudgetMicros
        self.startAt = startAt
        self.endAt = endAt
        self.timeZone = timeZone
        self.pacing = pacing
        self.frequencyCapImpressions = frequencyCapImpressions
        self.frequencyCapWindowSeconds = frequencyCapWindowSeconds
        self.frequencyCapRefusesAnonymous = frequencyCapRefusesAnonymous
        self.hoursOfWeek = hoursOfWeek
        self.excludedHoursOfWeek = excludedHoursOfWeek
    }

    init(_ c: Campaign) {
        self.init(
            id: c.id.rawValue, advertiserID: c.advertiserID.rawValue, name: c.name, status: c.status.rawValue,
            pricing: c.pricing.rawValue, bidMicros: c.bid.value, predictedCTRPartsPerMillion: c.predictedCTR?.partsPerMillion,
            dailyBudgetMicros: c.dailyBudget?.value, totalBudgetMicros: c.totalBudget.value, startAt: c.start?.rfc3339,
            endAt: c.end?.rfc3339, timeZone: c.timeZone.identifier, pacing: c.pacing.rawValue,
            frequencyCapImpressions: c.frequencyCap.map { Int64($0.impressions) },
            frequencyCapWindowSeconds: c.frequencyCap?.windowSeconds,
            frequencyCapRefusesAnonymous: c.frequencyCap?.refuseAnonymous == true,
            hoursOfWeek: HourRanges.format(c.targeting.hoursOfWeek),
            excludedHoursOfWeek: HourRanges.format(c.targeting.exclude.hoursOfWeek),
            deals: c.deals.map { deal in deal.floor.map { "\(deal.id):\($0.value)" } ?? deal.id.rawValue }.joined(separator: ","),
            predictedViewabilityPartsPerMillion: c.predictedViewability?.partsPerMillion,
            predictedCompletionPartsPerMillion: c.predictedCompletionRate?.partsPerMillion
        )
        lineItem = LineItemFields.column(c.lineItem)
        spendCapNanos = c.spendCap < c.totalBudget.nanos ? c.spendCap.value : nil
    }

    /// The campaign these columns describe, or why they do not describe one; `hours` reads
    /// the hours-of-week columns (a load reads each distinct text once).
    func campaign(
        targeting: Targeting, creatives: [Creative], hours parseHours: (String) -> HoursOfWeek?
    ) -> Result<Campaign, CampaignRowProblem> {
        var targeting = targeting
        guard let id = CampaignID(id), let advertiser = AdvertiserID(advertiserID), let status = CampaignStatus(rawValue: status),
            let pricing = Pricing(rawValue: pricing), let zone = CampaignTimeZone(identifier: timeZone),
            let pacing = PacingMode(rawValue: pacing), let hours = parseHours(hoursOfWeek),
            let excludedHours = parseHours(excludedHoursOfWeek)
        else { return .failure(CampaignRowProblem(message: "a column holds a value this version cannot read")) }
        let start = startAt.flatMap(Instant.init(canonicalRFC3339:))
        let end = endAt.flatMap(Instant.init(canonicalRFC3339:))
        guard (startAt == nil) == (start == nil), (endAt == nil) == (end == nil) else {
            return .failure(CampaignRowProblem(message: "start_at/end_at must be YYYY-MM-DDTHH:MM:SSZ"))
        }
        targeting.hoursOfWeek = hours
        targeting.exclude.hoursOfWeek = excludedHours
        let cap = frequencyCapImpressions.flatMap { impressions in
            frequencyCapWindowSeconds.map {
                FrequencyCap(impressions: Int(impressions), windowSeconds: $0, refuseAnonymous: frequencyCapRefusesAnonymous)
            }
        }
        var campaign = Campaign(
            id: id, advertiserID: advertiser, name: name, status: status, pricing: pricing, bid: Micros(bidMicros),
            predictedCTR: predictedCTRPartsPerMillion.map { ClickThroughRate(partsPerMillion: $0) },
            predictedViewability: predictedViewabilityPartsPerMillion.map { ClickThroughRate(partsPerMillion: $0) },
            predictedCompletionRate: predictedCompletionPartsPerMillion.map { ClickThroughRate(partsPerMillion: $0) },
            dailyBudget: dailyBudgetMicros.map(Micros.init), totalBudget: Micros(totalBudgetMicros), start: start, end: end,
            timeZone: zone, pacing: pacing, frequencyCap: cap, targeting: targeting, creatives: creatives
        )
        for entry in deals.split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard let dealID = DealID(String(parts[0])) else { return .failure(CampaignRowProblem(message: "bad deal '\(entry)'")) }
            var floor: Micros?
            if parts.count == 2 {
                guard let value = Int64(parts[1]) else { return .failure(CampaignRowProblem(message: "bad deal floor '\(entry)'")) }
                floor = Micros(value)
            }
            campaign.deals.append(CampaignDeal(id: dealID, floor: floor))
        }
        guard let terms = LineItemFields.terms(column: lineItem) else {
            return .failure(CampaignRowProblem(message: "bad line_item '\(lineItem ?? "")'"))
        }
        campaign.lineItem = terms
        return .success(campaign)
    }
}

struct CampaignRowProblem: Error { var message: String }

/// The SQL both engines run on `campaign`, written once: only the placeholders differ
/// (`?` for SQLite, `$n` for PostgreSQL).
enum CampaignSQL {
    /// The columns of `CampaignRow`, in its order.
    static let rowColumns = [
        "id", "advertiser_id", "name", "status", "pricing", "bid_micros", "predicted_ctr_ppm", "daily_budget_micros",
        "total_budget_micros", "start_at", "end_at", "time_zone", "pacing", "frequency_cap_impressions", "frequency_cap_window_seconds",
        "frequency_cap_refuse_anonymous", "hours_of_week", "exclude_hours_of_week", "deals", "predicted_viewability_ppm",
        "predicted_completion_ppm", "line_item", "spend_cap_nanos",
    ]

    /// `SELECT` of a campaign's row columns from `campaign c`, up to `WHERE`.
    static let select = "SELECT " + rowColumns.map { "c.\($0)" }.joined(separator: ", ") + " FROM campaign c WHERE"

    /// The columns an upsert writes: the row columns, then `revision` and `updated_at`.
    static let upsertColumns = rowColumns + ["revision", "updated_at"]

    /// Creates or replaces a campaign: the row columns, then `revision` and `updated_at`;
    /// `placeholder(n)` is the n-th (1-based) value's placeholder.
    static func upsert(placeholder: (Int) -> String) -> String {
        let columns = upsertColumns
        return """
            INSERT INTO campaign (\(columns.joined(separator: ", ")))
            VALUES (\((1...columns.count).map(placeholder).joined(separator: ", ")))
            ON CONFLICT (id) DO UPDATE SET \(columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
            """
    }
}

/// One targeted value of `campaign_targeting`.
struct TargetingRow: Sendable {
    var campaignID: String
    var dimension: String
    var mode: String
    var value: String
}

/// One row of `creative`; `adomain` is space-separated.
struct CreativeRow: Sendable {
    var campaignID: String
    var id: String
    var position: Int64
    var size: String
    var imageURL: String
    var clickURL: String
    var adomain: String
    /// `banner`, `video` or `native`.
    var format: String
    /// A video's or native creative's own fields as the campaign JSON's `video` / `native`
    /// object (`CreativeDetails`); nil for a banner.
    var details: String?

    init(
        campaignID: String, id: String, position: Int64, size: String, imageURL: String, clickURL: String, adomain: String,
        format: String = "banner", details: String? = nil
    ) {
        self.format = format
        self.details = details
        self.campaignID = campaignID
        self.id = id
        self.position = position
        self.size = size
        self.imageURL = imageURL
        self.clickURL = clickURL
        self.adomain = adomain
    }

    /// The creatives of `c` as rows, in serving order.
    static func rows(of c: Campaign) -> [CreativeRow] {
        c.creatives.enumerated().map { position, item in
            CreativeRow(
                campaignID: c.id.rawValue, id: item.id.rawValue, position: Int64(position), size: item.size.description,
                imageURL: item.imageURL, clickURL: item.clickURL, adomain: item.advertiserDomains.joined(separator: " "),
                format: item.format.rawValue, details: CreativeDetails.json(of: item))
        }
    }
}

/// Builds campaigns from their rows as they are read, without holding the rows themselves:
/// creatives first (any order), then each campaign in id order, its targeting rows just
/// before it. A campaign's targeting is built as its rows come and handed over with it, so
/// no table by campaign id holds a million campaigns' targeting while the rest is read.
struct CampaignAssembler {
    private var creatives: [String: [(position: Int64, creative: Creative)]] = [:]
    /// The first bad creative row of each campaign that has one.
    private var creativeProblems: [String: String] = [:]
    private var campaigns: [Campaign] = []
    private var unreadable: [(CampaignID, String)] = []
    private var repeated = RepeatedValues()
    /// The targeting of the campaign to be added next, and the first bad row among it.
    private var targeting = Targeting()
    private var targetingProblem: String?

    /// An assembler with room for `expectedCampaigns` campaigns (their tables never grow
    /// while a large load fills them: each growth rehashes every campaign read so far).
    init(expectedCampaigns: Int = 0) {
        creatives.reserveCapacity(expectedCampaigns)
        campaigns.reserveCapacity(expectedCampaigns)
    }

    /// The values of one dimension and mode read so far. A campaign's rows come grouped
    /// (both stores return them in key order): a group becomes one set when the next begins,
    /// built at its size; for a dimension whose sets repeat across campaigns, shared with
    /// every equal group read before, so built and hashed once per distinct group.
    private var group = (dimension: "", mode: "", values: [String]())

    /// Adds a targeting row of the campaign `add(campaign:)` will be given next.
    mutating func add(targeting dimension: String, mode: String, value: String) {
        guard TargetingRows.dimensions.contains(dimension), mode == "include" || mode == "exclude" else {
            targetingProblem = targetingProblem ?? "bad targeting row \(dimension)/\(mode)/\(value)"
            return
        }
        if dimension != group.dimension || mode != group.mode {
            closeGroup()
            (group.dimension, group.mode) = (dimension, mode)
        }
        group.values.append(value)
    }

    private mutating func closeGroup() {
        guard !group.values.isEmpty else { return }
        let (dimension, mode) = (group.dimension, group.mode)
        let bad =
            dimension == "keyword"
            ? TargetingRows.add(keywords: group.values, include: mode == "include", to: &targeting)
            : repeated.add(group.values, dimension: dimension, include: mode == "include", to: &targeting)
        if let bad {
            targetingProblem = targetingProblem ?? "bad targeting row \(dimension)/\(mode)/\(bad)"
        }
        group.values.removeAll(keepingCapacity: true)
    }

    mutating func add(creative k: CreativeRow) {
        let siblings = creatives[k.campaignID] ?? []
        // Text creatives of one campaign (or of many) repeat, held once: a click URL its
        // earlier creative has, the advertiser domains of any campaign read before.
        let clickURL = siblings.first { $0.creative.clickURL == k.clickURL }?.creative.clickURL ?? k.clickURL
        let domains = repeated.domains(k.adomain)
        if let creativeID = CreativeID(k.id), let size = AdSize(k.size),
            let creative = CreativeDetails.creative(
                format: k.format, json: k.details,
                base: Creative(id: creativeID, size: size, imageURL: k.imageURL, clickURL: clickURL, advertiserDomains: domains))
        {
            creatives[k.campaignID, default: []].append((k.position, creative))
        } else {
            creativeProblems[k.campaignID] = creativeProblems[k.campaignID] ?? "bad creative row \(k.id)"
        }
    }

    /// Adds a campaign with the targeting rows added since the campaign before it; its
    /// creatives are in already. Campaigns come in id order.
    mutating func add(campaign row: CampaignRow) {
        closeGroup()
        let targeting = self.targeting
        let problem = targetingProblem ?? creativeProblems[row.id]
        (self.targeting, targetingProblem) = (Targeting(), nil)
        let creatives = (creatives.removeValue(forKey: row.id) ?? []).sorted { $0.position < $1.position }.map(\.creative)
        switch row.campaign(targeting: targeting, creatives: creatives, hours: { repeated.hours($0) }) {
        case .success(let campaign):
            if let problem {
                unreadable.append((CampaignID(unchecked: row.id), problem))
            } else {
                campaigns.append(campaign)
            }
        case .failure(let reason): unreadable.append((CampaignID(unchecked: row.id), reason.message))
        }
    }

    func loaded(revision: Int64) -> LoadedCampaigns {
        LoadedCampaigns(revision: revision, campaigns: campaigns, unreadable: unreadable)
    }
}

/// Values many campaigns repeat, kept once per load so that every campaign holding one shares
/// its storage: the sets of placements, countries, devices and operating systems a campaign
/// targets or excludes (a catalogue has few distinct ones), and creatives' advertiser domains.
/// Keyword sets are left as they are: they rarely repeat whole. At a million campaigns this is
/// hundreds of megabytes the index would otherwise hold once per campaign.
struct RepeatedValues {
    private var placements: [[String]: Set<PlacementID>] = [:]
    private var countries: [[String]: Set<CountryCode>] = [:]
    private var devices: [[String]: Set<DeviceType>] = [:]
    private var systems: [[String]: Set<OperatingSystem>] = [:]
    private var domainLists: [String: [String]] = [:]
    private var lastDomains = (column: "", list: [String]())
    private var hours: [String: HoursOfWeek?] = [:]

    /// Adds the values of one campaign's rows of a shared dimension to `t`'s include (or
    /// exclude) set, as the set every equal group of rows read before got; nil, or the first
    /// value that is not valid for the dimension.
    mutating func add(_ values: [String], dimension: String, include: Bool, to t: inout Targeting) -> String? {
        switch dimension {
        case "placement": Self.add(values, PlacementID.init, &placements, to: &t, include ? \.placements : \.exclude.placements)
        case "country": Self.add(values, CountryCode.init, &countries, to: &t, include ? \.countries : \.exclude.countries)
        case "device": Self.add(values, DeviceType.init(rawValue:), &devices, to: &t, include ? \.devices : \.exclude.devices)
        default:
            Self.add(values, OperatingSystem.init(rawValue:), &systems, to: &t, include ? \.operatingSystems : \.exclude.operatingSystems)
        }
    }

    private static func add<Element>(
        _ values: [String], _ element: (String) -> Element?, _ table: inout [[String]: Set<Element>], to t: inout Targeting,
        _ field: WritableKeyPath<Targeting, Set<Element>>
    ) -> String? {
        let key = values.count == 1 ? values : values.sorted()  // a group's rows in any order
        let set: Set<Element>
        if let shared = table[key] {
            set = shared
        } else {
            var made = Set<Element>(minimumCapacity: values.count)
            for value in values {
                guard let element = element(value) else { return value }
                made.insert(element)
            }
            table[key] = made
            set = made
        }
        // A campaign's rows of one dimension split in two groups (a scan out of key order) join.
        if t[keyPath: field].isEmpty { t[keyPath: field] = set } else { t[keyPath: field].formUnion(set) }
        return nil
    }

    /// The domains of a creative's `adomain` column (space-separated), shared with every
    /// creative read before that had the same column (most often the one just before).
    mutating func domains(_ column: String) -> [String] {
        if column == lastDomains.column { return lastDomains.list }
        let list: [String]
        if let known = domainLists[column] {
            list = known
        } else {
            list = column.split(separator: " ").map(String.init)
            domainLists[column] = list
        }
        lastDomains = (column, list)
        return list
    }

    /// `HourRanges.parse(text)`, each distinct text parsed once (most campaigns have no
    /// hours at all; those that do share a few dozen schedules).
    mutating func hours(_ text: String) -> HoursOfWeek? {
        if text.isEmpty { return HoursOfWeek() }
        if let parsed = hours[text] { return parsed }
        let parsed = HourRanges.parse(text)
        hours[text] = parsed
        return parsed
    }
}
