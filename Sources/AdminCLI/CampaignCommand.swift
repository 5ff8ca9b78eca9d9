import ArgumentParser
import Foundation
import VickreyConfig
import VickreyCore
import VickreyStore
import VickreyWire

/// `adctl campaign …`.
struct CampaignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign", abstract: "Create, change, list, import and export campaigns.",
        subcommands: [Create.self, List.self, Show.self, Update.self, Pause.self, Resume.self, Archive.self, Import.self, Export.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a campaign.",
            discussion: """
                Requires --advertiser, --bid, --total-budget and at least one --creative to serve.
                Example:
                  adctl campaign create summer-sale-1 --advertiser acme --name "Summer sale" \\
                    --bid 2.50 --daily-budget 50 --total-budget 500 --countries US,CA \\
                    --placements home_feed --frequency-cap 3/24h \\
                    --creative id=cr-1,size=300x250,image=https://cdn.example/a.png,click=https://acme.example/sale
                """
        )
        @Argument(help: "Campaign id: 1–64 characters from A-Z a-z 0-9 . _ -") var id: String
        @Option(help: "active or paused (default active).") var status: String?
        @OptionGroup var fields: CampaignFieldOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            for (value, flag) in [(fields.advertiser, "--advertiser"), (fields.bid, "--bid"), (fields.totalBudget, "--total-budget")]
            where value == nil {
                throw CommandFailure.usage("\(flag) is required to create a campaign")
            }
            var document = CampaignDocument(
                id: id, advertiserID: "", name: id, status: status ?? "active", pricing: fields.pricing ?? "cpm", bidMicros: 0,
                predictedCTR: nil, dailyBudgetMicros: nil, totalBudgetMicros: 0, start: nil, end: nil, timeZone: "UTC",
                pacing: "asap", frequencyCap: nil, targeting: nil, creatives: []
            )
            try fields.apply(to: &document)
            let campaign = try validated(document)
            try await store.call { db in try await db.campaigns.createCampaign(campaign) }
            Console.print("created campaign \(campaign.id)\(campaign.creatives.isEmpty ? " (no creatives yet: it cannot serve)" : "")")
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change some fields of a campaign.",
            discussion: """
                Only the flags given change; list flags replace the list (an empty string means any);
                --creative replaces every creative.
                Example:
                  adctl campaign update summer-sale-1 --bid 3 --countries US,CA,MX --no-end
                """
        )
        @Argument(help: "Campaign id.") var id: String
        @OptionGroup var fields: CampaignFieldOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let campaignID = try parsedCampaignID(id)
            let updated = try await store.call { db in
                try await db.campaigns.modifyCampaign(campaignID) { campaign in
                    var document = CampaignDocument(campaign)
                    try fields.apply(to: &document)
                    campaign = try validated(document)
                }
            }
            Console.print("updated campaign \(updated.id)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List campaigns.", discussion: "Example:\n  adctl campaign list --advertiser acme --status active --json"
        )
        @Option(help: "Only this advertiser's campaigns.") var advertiser: String?
        @Option(help: "Only campaigns with this status.") var status: String?
        @OptionGroup var output: OutputOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let campaigns = try await filteredCampaigns(store: store, advertiser: advertiser, status: status)
            if output.json {
                Console.print(try JSONOutput.pretty(campaigns.map(CampaignDocument.init)))
                return
            }
            let spend = campaigns.contains { $0.lineItem.delivery.isGuaranteed } ? try await billedSpend(store: store) : [:]
            let now = currentInstant()
            var table = TextTable(headers: [
                "ID", "ADVERTISER", "STATUS", "PRICING", "BID", "DAILY", "TOTAL", "START", "END", "CREATIVES", "DELIVERY",
            ])
            for c in campaigns {
                table.rows.append([
                    c.id.rawValue, c.advertiserID.rawValue, c.status.rawValue, c.pricing.rawValue, DecimalMoney.formatCurrency(c.bid),
                    c.dailyBudget.map(DecimalMoney.formatCurrency) ?? "-", DecimalMoney.formatCurrency(c.totalBudget),
                    c.start?.rfc3339 ?? "-", c.end?.rfc3339 ?? "-", "\(c.creatives.count)",
                    CampaignDescription.deliveryCell(c, billedSpend: spend[c.id] ?? .zero, at: now),
                ])
            }
            Console.print(table.render())
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one campaign.", discussion: "Example:\n  adctl campaign show summer-sale-1 --json")
        @Argument(help: "Campaign id.") var id: String
        @OptionGroup var output: OutputOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let campaignID = try parsedCampaignID(id)
            let found = try await store.call { db -> (Campaign, ClickEvidence, Nanos)? in
                guard let campaign = try await db.campaigns.campaign(campaignID) else { return nil }
                let spend = campaign.lineItem.delivery.isGuaranteed ? try await db.ledger.billedSpendByCampaign()[campaignID] : nil
                return (
                    campaign, campaign.pricing == .cpm ? ClickEvidence() : try await db.ledger.clickEvidence(campaign: campaignID),
                    spend ?? .zero
                )
            }
            guard let (found, evidence, spend) = found else {
                throw CommandFailure(message: "no campaign '\(id)'", exitCode: CommandFailure.notFound)
            }
            let campaign = found.learning(from: evidence, priorWeight: try await Configured.settings().ctrPriorWeight)
            let status = LineItemStatus(campaign, billedSpend: spend, at: currentInstant())
            if output.json { return Console.print(try CampaignDescription.json(campaign, lineItem: status)) }
            Console.print(CampaignDescription.text(campaign, lineItem: status))
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause an active campaign.", discussion: "Example:\n  adctl campaign pause summer-sale-1")
        @Argument(help: "Campaign id.") var id: String
        @OptionGroup var store: StoreOptions
        func run() async throws { try await changeStatus(id, to: .paused, store: store) }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume a paused campaign.", discussion: "Example:\n  adctl campaign resume summer-sale-1")
        @Argument(help: "Campaign id.") var id: String
        @OptionGroup var store: StoreOptions
        func run() async throws { try await changeStatus(id, to: .active, store: store) }
    }

    struct Archive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Archive a campaign for good (it stops serving and can no longer change status).",
            discussion: "Example:\n  adctl campaign archive summer-sale-1"
        )
        @Argument(help: "Campaign id.") var id: String
        @OptionGroup var store: StoreOptions
        func run() async throws { try await changeStatus(id, to: .archived, store: store) }
    }
}

/// Validates a document built from flags, naming the flag at fault.
func validated(_ document: CampaignDocument) throws -> Campaign {
    switch document.campaign() {
    case .success(let campaign): return campaign
    case .failure(let error):
        let flag = error.field.map(CampaignFieldOptions.flag(for:)) ?? "campaign"
        throw CommandFailure.usage("\(flag): \(error.message)")
    }
}

func changeStatus(_ id: String, to status: CampaignStatus, store: StoreOptions) async throws {
    let campaignID = try parsedCampaignID(id)
    _ = try await store.call { db in try await db.campaigns.setStatus(campaignID, to: status) }
    Console.print("campaign \(campaignID) is now \(status.rawValue)")
}

func filteredCampaigns(store: StoreOptions, advertiser: String?, status: String?) async throws -> [Campaign] {
    let advertiserID = try advertiser.map(parsedAdvertiserID)
    let wanted = try status.map { text in
        guard let value = CampaignStatus(rawValue: text) else {
            throw CommandFailure.usage("--status: '\(text)' is not one of active, paused, archived")
        }
        return value
    }
    return try await store.call { db in try await db.campaigns.campaigns(advertiser: advertiserID, status: wanted) }
}

/// The human-readable form of one campaign, and `campaign show --json`'s.
enum CampaignDescription {
    /// The campaign JSON and, for a CPC campaign, a read-only `ctr` object (for a vCPM
    /// campaign `viewability`): the debug explanation's prior, learned rate and the
    /// evidence behind it.
    static func json(_ campaign: Campaign, lineItem: LineItemStatus? = nil) throws -> String {
        try JSONOutput.pretty(
            Shown(
                campaign: CampaignDocument(campaign),
                lineItem: lineItem.map(StatusFields.init),
                ctr: campaign.predictedCTR.map { prior in
                    Dictionary(
                        uniqueKeysWithValues: AuctionExplanationJSON.rateFields(
                            prior: prior, learned: campaign.learnedCTR, events: "clicks"))
                },
                viewability: campaign.predictedViewability.map { prior in
                    Dictionary(
                        uniqueKeysWithValues: AuctionExplanationJSON.rateFields(
                            prior: prior, learned: campaign.learnedViewability, events: "viewables"))
                }))
    }

    private struct Shown: Encodable {
        var campaign: CampaignDocument
        /// The line item's delivery status (`docs/line-items.md#delivery-status`).
        var lineItem: StatusFields?
        var ctr: [String: Int64]?
        var viewability: [String: Int64]?

        private enum Keys: String, CodingKey {
            case ctr, viewability
            case lineItem = "line_item"
        }

        func encode(to encoder: any Encoder) throws {
            try campaign.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            if let lineItem { try container.encode(lineItem, forKey: .lineItem) }
            if let ctr { try container.encode(ctr, forKey: .ctr) }
            if let viewability { try container.encode(viewability, forKey: .viewability) }
        }
    }

    /// A line item's status as `--json` writes it: the admin API's fields.
    private struct StatusFields: Encodable {
        var fields: [String: Int64] = [:]
        var texts: [String: String] = [:]

        init(_ status: LineItemStatus) {
            texts["campaign_id"] = status.campaignID.rawValue
            texts["type"] = status.delivery.name
            texts["status"] = status.status
            fields["rate_micros"] = status.rate.value
            fields["delivered"] = status.delivered
            if case .standard(let goal, let pace) = status.delivery {
                fields["goal"] = goal
                texts["pace"] = pace.rawValue
            }
            if case .sponsorship(let share) = status.delivery { fields["share_percent"] = Int64(share) }
            if let standing = status.standing {
                fields["expected_to_date"] = standing.expectedToDate
                fields["pacing_ratio_ppm"] = standing.pacingRatioPPM
                fields["projected"] = standing.projected
            }
        }

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            for (key, value) in fields { try container.encode(value, forKey: Key(stringValue: key)) }
            for (key, value) in texts { try container.encode(value, forKey: Key(stringValue: key)) }
        }
    }

    /// `campaign list`'s delivery cell: a line item's status in a few words, `-` otherwise.
    static func deliveryCell(_ c: Campaign, billedSpend: Nanos, at now: Instant) -> String {
        switch c.lineItem.delivery {
        case .pricePriority: return "-"
        case .house: return "house"
        case .sponsorship(let share): return "sponsorship \(share)%"
        case .standard(let goal, _):
            let status = LineItemStatus(c, billedSpend: billedSpend, at: now)
            return "\(status?.delivered ?? 0)/\(goal) \(status?.status ?? "")"
        }
    }

    static func text(_ c: Campaign, lineItem: LineItemStatus? = nil) -> String {
        let unit =
            switch c.pricing {
            case .cpm: "per 1000 impressions"
            case .cpc: "per click"
            case .vcpm: "per 1000 viewable impressions"
            case .cpcv: "per completed view"
            }
        var pairs: [(String, String)] = [
            ("id", c.id.rawValue), ("advertiser", c.advertiserID.rawValue), ("name", c.name), ("status", c.status.rawValue),
            ("pricing", c.pricing.rawValue), ("bid", "\(DecimalMoney.formatCurrency(c.bid)) \(unit) (\(c.bid.value) micros)"),
        ]
        // Each pricing's rate of its charged event: declared, and learned from the ledger.
        let rates: [(name: String, prior: ClickThroughRate?, learned: LearnedClickThroughRate?, events: String)] = [
            ("ctr", c.predictedCTR, c.learnedCTR, "clicks"),
            ("viewability", c.predictedViewability, c.learnedViewability, "viewable events"),
            ("completion rate", c.predictedCompletionRate, c.learnedCompletionRate, "completed views"),
        ]
        for rate in rates {
            if let prior = rate.prior { pairs.append(("prior \(rate.name)", "\(prior) (\(prior.partsPerMillion) ppm, as declared)")) }
            if let learned = rate.learned {
                pairs.append(
                    (
                        "learned \(rate.name)",
                        "\(learned.rate) (\(learned.rate.partsPerMillion) ppm) from \(learned.impressions) impressions and "
                            + "\(learned.events) \(rate.events) recorded, prior weight \(learned.priorWeight) impressions"
                    ))
            }
        }
        pairs += [
            ("daily budget", c.dailyBudget.map(DecimalMoney.formatCurrency) ?? "none"),
            ("total budget", DecimalMoney.formatCurrency(c.totalBudget)),
            ("flight", "\(c.start?.rfc3339 ?? "now") → \(c.end?.rfc3339 ?? "no end")"), ("time zone", c.timeZone.identifier),
            ("pacing", c.pacing.rawValue),
            (
                "frequency cap",
                c.frequencyCap.map {
                    "\($0.impressions) per \($0.windowSeconds) s" + ($0.refuseAnonymous ? ", refuses anonymous requests" : "")
                } ?? "none"
            ),
            ("targeting", c.targeting.summary.joined(separator: "; ")),
        ]
        if !c.lineItem.isPlainAuction {
            var terms = c.lineItem.delivery.name
            if c.lineItem.delivery.isGuaranteed { terms += " at \(DecimalMoney.formatCurrency(c.lineItem.rate)) CPM" }
            if case .standard(_, let pace) = c.lineItem.delivery { terms += ", \(pace.rawValue) pace" }
            pairs.append(("line item", terms))
            if let lineItem { pairs.append(("delivery", lineItem.summary)) }
            if !c.lineItem.exclusionLabels.isEmpty {
                pairs.append(("exclusion labels", c.lineItem.exclusionLabels.joined(separator: ", ")))
            }
            if c.lineItem.roadblock { pairs.append(("roadblock", "all: fills every placement of a request it matches, or none")) }
        }
        for (index, creative) in c.creatives.enumerated() {
            let shown =
                if let video = creative.video {
                    "video \(video.durationSeconds) s, \(video.mediaFiles.count) media file(s)"
                        + (video.skipAfterSeconds.map { ", skippable after \($0) s" } ?? "")
                } else if let native = creative.native {
                    "native \"\(native.title)\" \(native.imageURL)"
                } else {
                    "\(creative.size) \(creative.imageURL)"
                }
            pairs.append((index == 0 ? "creatives" : "", "\(creative.id) \(shown) → \(creative.clickURL)"))
        }
        if c.creatives.isEmpty { pairs.append(("creatives", "none (cannot serve)")) }
        if !c.deals.isEmpty {
            pairs.append(
                (
                    "deals",
                    c.deals.map { deal in deal.floor.map { "\(deal.id) (floor \(DecimalMoney.formatCurrency($0)))" } ?? deal.id.rawValue }
                        .joined(separator: ", ")
                ))
        }
        return keyValueLines(pairs)
    }
}

/// Every campaign's billed spend, from the ledger (a line item's delivered impressions).
private func billedSpend(store: StoreOptions) async throws -> [CampaignID: Nanos] {
    try await store.call { db in try await db.ledger.billedSpendByCampaign() }
}

/// Now, to the millisecond: what a line item's expected-to-date is measured at.
private func currentInstant() -> Instant { Instant(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)) }
