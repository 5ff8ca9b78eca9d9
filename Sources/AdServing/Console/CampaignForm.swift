import Foundation
import VickreyCore
import VickreyWire

/// The console's campaign form: its fields, read into the campaign JSON that
/// `adctl campaign import` and `POST /v1/admin/campaigns` take, and validated by the same
/// code (`CampaignDocument.parseCampaign`). Money is typed in currency units (`2.50`) and
/// converted exactly, as `adctl` does. A field the form does not show (frequency cap,
/// hours, exclusions, further creatives) keeps its value on edit. The creative fields edit
/// the campaign's first banner; its video and native creatives (made with `adctl campaign
/// import` or the admin API) are kept as they are, and a campaign without a banner may
/// leave the creative fields empty.
struct CampaignForm {
    /// Form field name, label, and the campaign JSON field it fills (for error messages).
    static let fields: [(name: String, label: String, json: String)] = [
        ("id", "Campaign id", "id"), ("advertiser_id", "Advertiser id", "advertiser_id"), ("name", "Name", "name"),
        ("pricing", "Pricing (cpm, cpc, vcpm or cpcv)", "pricing"),
        ("bid", "Bid (per 1000 impressions, per click, per 1000 viewable impressions, or per completed view)", "bid_micros"),
        ("predicted_ctr", "Predicted CTR (cpc only, e.g. 0.012)", "predicted_ctr"),
        ("predicted_viewability", "Predicted viewability (vcpm only, e.g. 0.65)", "predicted_viewability"),
        ("predicted_completion_rate", "Predicted completion rate (cpcv only, e.g. 0.7)", "predicted_completion_rate"),
        ("daily_budget", "Daily budget (empty: none)", "daily_budget_micros"), ("total_budget", "Total budget", "total_budget_micros"),
        ("pacing", "Pacing (asap or even)", "pacing"), ("placements", "Placements (comma-separated; empty: any)", "targeting.placements"),
        ("countries", "Countries (comma-separated; empty: any)", "targeting.countries"),
        ("keywords", "Keywords (comma-separated; empty: any)", "targeting.keywords"),
        ("creative_size", "Creative size (e.g. 300x250)", "creatives"), ("creative_image_url", "Creative image URL", "creatives"),
        ("creative_click_url", "Creative click URL", "creatives"),
    ]

    var values: [String: String]
    var errors: [String: String] = [:]

    /// The form filled from an existing campaign.
    init(_ campaign: Campaign) {
        let creative = campaign.creatives.first { $0.format == .banner }
        values = [
            "id": campaign.id.rawValue, "advertiser_id": campaign.advertiserID.rawValue, "name": campaign.name,
            "pricing": campaign.pricing.rawValue, "bid": DecimalMoney.formatCurrency(campaign.bid),
            "predicted_ctr": campaign.predictedCTR?.description ?? "",
            "predicted_viewability": campaign.predictedViewability?.description ?? "",
            "predicted_completion_rate": campaign.predictedCompletionRate?.description ?? "",
            "daily_budget": campaign.dailyBudget.map(DecimalMoney.formatCurrency) ?? "",
            "total_budget": DecimalMoney.formatCurrency(campaign.totalBudget), "pacing": campaign.pacing.rawValue,
            "placements": campaign.targeting.placements.map(\.rawValue).sorted().joined(separator: ","),
            "countries": campaign.targeting.countries.map(\.rawValue).sorted().joined(separator: ","),
            "keywords": campaign.targeting.keywords.map(\.rawValue).sorted().joined(separator: ","),
            "creative_size": creative?.size.description ?? "", "creative_image_url": creative?.imageURL ?? "",
            "creative_click_url": creative?.clickURL ?? "",
        ]
    }

    init(values: [String: String]) { self.values = values }

    static var blank: CampaignForm { CampaignForm(values: ["pricing": "cpm", "pacing": "asap", "creative_size": "300x250"]) }

    /// The campaign the form describes, merged into `existing` (on edit), or the form with
    /// each field's error.
    /// What reading the form gave.
    enum Outcome {
        case campaign(Campaign)
        /// The form again, with each field's error.
        case invalid(CampaignForm)
    }

    func campaign(existing: Campaign?) -> Outcome {
        var form = self
        var object: [String: Any] = [:]
        if let existing, let data = try? CampaignDocument.json(existing),
            let parsed = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        {
            object = parsed
        } else {
            object = ["status": "active", "time_zone": "UTC", "frequency_cap": NSNull(), "end": NSNull(), "start": NSNull()]
        }
        func text(_ name: String) -> String { (values[name] ?? "").trimmingCharacters(in: .whitespaces) }
        func list(_ name: String) -> [String] {
            text(name).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        func money(_ name: String, optional: Bool) -> Int64?? {
            let value = text(name)
            if value.isEmpty, optional { return .some(nil) }
            switch DecimalMoney.parseMicros(value, maximum: .maximum) {
            case .success(let micros): return .some(micros.value)
            case .failure:
                form.errors[name] = "must be an amount in currency units, such as 2.50 (at most six decimals, not negative)"
                return nil
            }
        }
        object["id"] = text("id")
        object["advertiser_id"] = text("advertiser_id")
        object["name"] = text("name")
        object["pricing"] = text("pricing")
        object["pacing"] = text("pacing")
        if let bid = money("bid", optional: false) { object["bid_micros"] = bid }
        if let daily = money("daily_budget", optional: true) { object["daily_budget_micros"] = daily.map { $0 as Any } ?? NSNull() }
        if let total = money("total_budget", optional: false) { object["total_budget_micros"] = total }
        // Rates are spliced into the JSON as numbers (exact decimals), so they are checked here.
        var rates: [(field: String, text: String)] = []
        for (field, example) in [("predicted_ctr", "0.012"), ("predicted_viewability", "0.65"), ("predicted_completion_rate", "0.7")] {
            let rate = text(field)
            if !rate.isEmpty, !rate.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) || ClickThroughRate(decimal: rate) == nil {
                form.errors[field] = "must be a decimal number in (0, 1], such as \(example)"
            }
            object[field] = rate.isEmpty ? NSNull() : "__\(field)__"
            if !rate.isEmpty { rates.append((field, rate)) }
        }
        var targeting = object["targeting"] as? [String: Any] ?? [:]
        targeting["placements"] = list("placements")
        targeting["countries"] = list("countries").map { $0.uppercased() }
        targeting["keywords"] = list("keywords")
        object["targeting"] = targeting
        var creatives = object["creatives"] as? [[String: Any]] ?? []
        let bannerIndex = creatives.firstIndex { $0["format"] == nil }
        let creativeFields = ["creative_size", "creative_image_url", "creative_click_url"]
        // A campaign of video or native creatives only may leave the banner fields empty.
        if bannerIndex != nil || creatives.isEmpty || creativeFields.contains(where: { !text($0).isEmpty }) {
            var banner = bannerIndex.map { creatives[$0] } ?? ["id": "\(text("id"))-creative", "adomain": [String]()]
            banner["size"] = text("creative_size")
            banner["image_url"] = text("creative_image_url")
            banner["click_url"] = text("creative_click_url")
            if let bannerIndex { creatives[bannerIndex] = banner } else { creatives.insert(banner, at: 0) }
        }
        object["creatives"] = creatives
        guard form.errors.isEmpty else { return .invalid(form) }
        guard var json = try? JSONSerialization.data(withJSONObject: object).map({ $0 }) else {
            form.errors["id"] = "the form could not be read"
            return .invalid(form)
        }
        for rate in rates {
            json = Array(String(decoding: json, as: UTF8.self).replacingOccurrences(of: "\"__\(rate.field)__\"", with: rate.text).utf8)
        }
        switch CampaignDocument.parseCampaign(Data(json)) {
        case .success(let campaign): return .campaign(campaign)
        case .failure(let error):
            form.errors[Self.formField(for: error.field)] = error.message
            return .invalid(form)
        }
    }

    /// The form field a campaign JSON field's error belongs next to.
    static func formField(for jsonField: String?) -> String {
        guard let jsonField else { return "id" }
        if jsonField.hasPrefix("creatives") {
            if jsonField.hasSuffix("image_url") { return "creative_image_url" }
            if jsonField.hasSuffix("click_url") { return "creative_click_url" }
            return "creative_size"
        }
        let base = jsonField.split(separator: "[").first.map(String.init) ?? jsonField
        return fields.first { $0.json == base }?.name ?? "id"
    }

    /// The form as HTML, posting to `action`; `locked` fields are shown but not editable.
    func html(action: String, csrf: String, submit: String, locked: Set<String> = []) -> String {
        var html = #"<form method="post" action="\#(ConsoleHTML.escape(action))" class="edit" novalidate>"# + ConsoleHTML.csrfField(csrf)
        for field in Self.fields {
            let value = ConsoleHTML.escape(values[field.name] ?? "")
            let readonly = locked.contains(field.name) ? " readonly" : ""
            html += #"<label for="f-\#(field.name)">\#(ConsoleHTML.escape(field.label))</label>"#
            html += #"<input id="f-\#(field.name)" name="\#(field.name)" value="\#(value)"\#(readonly)>"#
            if let error = errors[field.name] {
                html += #"<span class="error" id="error-\#(field.name)">\#(ConsoleHTML.escape(error))</span>"#
            }
        }
        return html + #"<p><button type="submit">\#(ConsoleHTML.escape(submit))</button></p></form>"#
    }
}
