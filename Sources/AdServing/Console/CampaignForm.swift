import Foundation
import VickreyCore
import VickreyWire

/// The console's campaign form: every field of the campaign JSON an ad-ops user sets —
/// names, pricing, budgets, flight and time zone, frequency cap, targeting with its
/// exclusions and hours of the week, deals, competitive exclusions, and every creative of
/// every format — read into the campaign JSON that `adctl campaign import` and
/// `POST /v1/admin/campaigns` take, and validated by the same code
/// (`CampaignDocument.parseCampaign`). Money is typed in currency units (`2.50`) and
/// converted exactly, as `adctl` does. What the form does not show (a line item's
/// delivery terms) keeps its value on edit.
///
/// Field names are flat (`f-bid`, `cr0_size`, `hour_37`), so the form posts without script.
struct CampaignForm {
    var values: [String: String]
    var errors: [String: String] = [:]
    /// The advertisers offered by the advertiser menu (empty: a text field).
    var advertisers: [String] = []

    /// The simple fields: name, label, and the campaign JSON field an error of it names.
    static let fields: [(name: String, label: String, json: String)] = [
        ("id", "Campaign id", "id"), ("advertiser_id", "Advertiser", "advertiser_id"), ("name", "Name", "name"),
        ("status", "Status", "status"), ("pricing", "Pricing", "pricing"),
        ("bid", "Bid (per 1000 impressions, per click, per 1000 viewable impressions, or per completed view)", "bid_micros"),
        ("predicted_ctr", "Predicted CTR (cpc only, e.g. 0.012)", "predicted_ctr"),
        ("predicted_viewability", "Predicted viewability (vcpm only, e.g. 0.65)", "predicted_viewability"),
        ("predicted_completion_rate", "Predicted completion rate (cpcv only, e.g. 0.7)", "predicted_completion_rate"),
        ("daily_budget", "Daily budget (empty: none)", "daily_budget_micros"), ("total_budget", "Total budget", "total_budget_micros"),
        ("pacing", "Pacing", "pacing"), ("start", "Start (RFC 3339; empty: at once)", "start"),
        ("end", "End (RFC 3339; empty: no end)", "end"), ("time_zone", "Time zone (budget days and hours of the week)", "time_zone"),
        ("cap_impressions", "At most this many impressions per user (empty: no cap)", "frequency_cap"),
        ("cap_window", "In any window of", "frequency_cap"),
        ("cap_refuse_anonymous", "Refuse requests without a user id (the cap cannot count them)", "frequency_cap.refuse_anonymous"),
        ("placements", "Placements (comma-separated; empty: any)", "targeting.placements"),
        ("countries", "Countries (comma-separated; empty: any)", "targeting.countries"),
        ("keywords", "Keywords (comma-separated; empty: any)", "targeting.keywords"),
        ("ex_placements", "Excluded placements", "targeting.exclude.placements"),
        ("ex_countries", "Excluded countries", "targeting.exclude.countries"),
        ("ex_keywords", "Excluded keywords", "targeting.exclude.keywords"),
        ("deals", "Deals (one per line: deal id, then the floor in currency units if any)", "deals"),
        ("exclusion_labels", "Competitive exclusion labels (comma-separated)", "exclusion_labels"),
        ("roadblock", "Roadblock: fill every placement of a request, or none", "roadblock"),
    ]

    /// A creative's fields by format (besides `format`, `id`, `click_url`, `adomain`).
    static let creativeFields: [CreativeFormat: [(name: String, label: String)]] = [
        .banner: [("size", "Size (e.g. 300x250)"), ("image_url", "Image URL")],
        .video: [
            ("duration", "Duration (seconds)"), ("skip_after", "Skippable after (seconds; empty: not skippable)"),
            ("media", "Media files (one per line: URL, mime type, WIDTHxHEIGHT, bitrate in kbps)"),
        ],
        .native: [
            ("title", "Title"), ("description", "Description"), ("native_image_url", "Main image URL"),
            ("image_size", "Main image size (e.g. 1200x627)"), ("icon_url", "Icon URL"), ("call_to_action", "Call to action"),
            ("sponsored_by", "Sponsored by"),
        ],
    ]

    /// The frequency cap's window units, smallest first.
    static let capUnits: [(name: String, seconds: Int64)] = [("seconds", 1), ("minutes", 60), ("hours", 3_600), ("days", 86_400)]
    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    init(values: [String: String]) { self.values = values }

    static var blank: CampaignForm {
        CampaignForm(values: [
            "status": "active", "pricing": "cpm", "pacing": "asap", "time_zone": "UTC", "cap_unit": "hours", "creatives": "1",
            "cr0_format": "banner", "cr0_size": "300x250",
        ])
    }

    /// How many creative slots the form holds.
    var creativeCount: Int { min(max(Int(values["creatives"] ?? "") ?? 0, 0), Self.maximumCreatives) }
    static let maximumCreatives = 100

    /// The form with one more empty creative of `format` (the "Add" buttons).
    func adding(_ format: CreativeFormat) -> CampaignForm {
        var form = self
        let index = creativeCount
        guard index < Self.maximumCreatives else { return form }
        form.values["creatives"] = String(index + 1)
        form.values["cr\(index)_format"] = format.rawValue
        if format == .banner { form.values["cr\(index)_size"] = "300x250" }
        return form
    }

    /// What reading the form gave.
    enum Outcome {
        case campaign(Campaign)
        /// The form again, with each field's error.
        case invalid(CampaignForm)
    }
}

// MARK: From a campaign

extension CampaignForm {
    /// The form filled from an existing campaign (through its campaign JSON, the contract).
    init(_ campaign: Campaign) {
        values = [:]
        let object =
            (try? CampaignDocument.json(campaign)).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
        func string(_ any: Any?) -> String { any.map { $0 is NSNull ? "" : "\($0)" } ?? "" }
        func items(_ any: Any?) -> [String] { (any as? [Any])?.map { "\($0)" } ?? [] }
        func list(_ any: Any?) -> String { items(any).joined(separator: ",") }
        for key in ["id", "advertiser_id", "name", "status", "pricing", "pacing", "start", "end", "time_zone"] {
            values[key] = string(object[key])
        }
        values["bid"] = DecimalMoney.formatCurrency(campaign.bid)
        values["predicted_ctr"] = campaign.predictedCTR?.description ?? ""
        values["predicted_viewability"] = campaign.predictedViewability?.description ?? ""
        values["predicted_completion_rate"] = campaign.predictedCompletionRate?.description ?? ""
        values["daily_budget"] = campaign.dailyBudget.map(DecimalMoney.formatCurrency) ?? ""
        values["total_budget"] = DecimalMoney.formatCurrency(campaign.totalBudget)
        values["cap_unit"] = "hours"
        if let cap = object["frequency_cap"] as? [String: Any], let seconds = (cap["window_seconds"] as? NSNumber)?.int64Value {
            values["cap_impressions"] = string(cap["impressions"])
            if (cap["refuse_anonymous"] as? Bool) == true { values["cap_refuse_anonymous"] = "on" }
            // The largest unit the window is a whole number of.
            let unit = Self.capUnits.last { seconds % $0.seconds == 0 } ?? Self.capUnits[0]
            values["cap_unit"] = unit.name
            values["cap_window"] = String(seconds / unit.seconds)
        }
        let targeting = object["targeting"] as? [String: Any] ?? [:]
        let exclude = targeting["exclude"] as? [String: Any] ?? [:]
        for (prefix, lists) in [("", targeting), ("ex_", exclude)] {
            for key in ["placements", "countries", "keywords"] { values[prefix + key] = list(lists[key]) }
            for device in items(lists["devices"]) { values["\(prefix)device_\(device)"] = "on" }
            for os in items(lists["os"]) { values["\(prefix)os_\(os)"] = "on" }
        }
        for hour in items(targeting["hours_of_week"]) { values["hour_\(hour)"] = "on" }
        values["deals"] = campaign.deals.map { deal in
            deal.floor.map { "\(deal.id.rawValue) \(DecimalMoney.formatCurrency($0))" } ?? deal.id.rawValue
        }.joined(separator: "\n")
        values["exclusion_labels"] = list(object["exclusion_labels"])
        if string(object["roadblock"]) == "all" { values["roadblock"] = "on" }
        let creatives = object["creatives"] as? [[String: Any]] ?? []
        values["creatives"] = String(creatives.count)
        for (index, creative) in creatives.enumerated() {
            let prefix = "cr\(index)_"
            values[prefix + "format"] = string(creative["format"]).isEmpty ? "banner" : string(creative["format"])
            values[prefix + "id"] = string(creative["id"])
            values[prefix + "click_url"] = string(creative["click_url"])
            values[prefix + "adomain"] = list(creative["adomain"])
            values[prefix + "size"] = string(creative["size"])
            values[prefix + "image_url"] = string(creative["image_url"])
            if let video = creative["video"] as? [String: Any] {
                values[prefix + "duration"] = string(video["duration_seconds"])
                values[prefix + "skip_after"] = string(video["skip_after_seconds"])
                values[prefix + "media"] = ((video["media_files"] as? [[String: Any]]) ?? []).map { file in
                    "\(string(file["url"])) \(string(file["mime"])) \(string(file["width"]))x\(string(file["height"])) \(string(file["bitrate_kbps"]))"
                }.joined(separator: "\n")
            }
            if let native = creative["native"] as? [String: Any] {
                for key in ["title", "description", "icon_url", "call_to_action", "sponsored_by"] {
                    values[prefix + key] = string(native[key])
                }
                values[prefix + "native_image_url"] = string(native["image_url"])
                values[prefix + "image_size"] = "\(string(native["image_width"]))x\(string(native["image_height"]))"
            }
        }
    }
}

// MARK: To a campaign

extension CampaignForm {
    /// The campaign the form describes (over `existing` on edit, which keeps what the
    /// form does not show), or the form with each field's error.
    func campaign(existing: Campaign?) -> Outcome {
        var reader = Reader(form: self)
        var object: [String: Any] = [:]
        if let existing, let data = try? CampaignDocument.json(existing),
            let parsed = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        {
            object = parsed
        }
        for key in ["id", "advertiser_id", "name", "status", "pricing", "pacing"] { object[key] = reader.text(key) }
        object["time_zone"] = reader.text("time_zone").isEmpty ? "UTC" : reader.text("time_zone")
        for key in ["start", "end"] { object[key] = reader.text(key).isEmpty ? NSNull() : reader.text(key) }
        object["bid_micros"] = reader.money("bid") ?? 0
        object["daily_budget_micros"] = reader.text("daily_budget").isEmpty ? NSNull() : reader.money("daily_budget") ?? 0
        object["total_budget_micros"] = reader.money("total_budget") ?? 0
        for (field, example) in [("predicted_ctr", "0.012"), ("predicted_viewability", "0.65"), ("predicted_completion_rate", "0.7")] {
            object[field] = reader.rate(field, example: example)
        }
        object["frequency_cap"] = reader.frequencyCap()
        object["targeting"] = reader.targeting(existing: object["targeting"] as? [String: Any])
        object["deals"] = reader.deals()
        object["exclusion_labels"] = reader.list("exclusion_labels")
        object["roadblock"] = reader.text("roadblock").isEmpty ? "none" : "all"
        object["creatives"] = (0..<creativeCount).compactMap { reader.creative($0) }
        guard reader.form.errors.isEmpty else { return .invalid(reader.form) }
        guard let data = try? JSONSerialization.data(withJSONObject: object) else {
            reader.form.errors["id"] = "the form could not be read"
            return .invalid(reader.form)
        }
        // Rates are spliced into the JSON as the typed digits, so they stay exact decimals.
        var json = String(decoding: data, as: UTF8.self)
        for (placeholder, digits) in reader.splices { json = json.replacingOccurrences(of: "\"\(placeholder)\"", with: digits) }
        switch CampaignDocument.parseCampaign(Data(json.utf8)) {
        case .success(let campaign): return .campaign(campaign)
        case .failure(let error):
            var form = reader.form
            form.errors[Self.formField(for: error.field)] = error.message
            return .invalid(form)
        }
    }

    /// The form field a campaign JSON field's error belongs next to.
    static func formField(for jsonField: String?) -> String {
        guard let jsonField else { return "id" }
        if jsonField.hasPrefix("creatives["), let close = jsonField.firstIndex(of: "]") {
            let index = jsonField.dropFirst("creatives[".count).prefix { $0 != "]" }
            let rest = jsonField[jsonField.index(after: close)...].drop { $0 == "." }
            let name: String
            switch true {
            case rest.hasPrefix("video.media_files"): name = "media"
            case rest.hasPrefix("video.skip_after"): name = "skip_after"
            case rest.hasPrefix("video"): name = "duration"
            case rest.hasPrefix("native.image_url"): name = "native_image_url"
            case rest.hasPrefix("native.image_"): name = "image_size"
            case rest.hasPrefix("native."): name = String(rest.dropFirst("native.".count).prefix { $0 != "[" && $0 != "." })
            case rest.isEmpty: name = "id"
            default: name = String(rest.prefix { $0 != "[" && $0 != "." })
            }
            return "cr\(index)_\(name == "native" ? "title" : name)"
        }
        if jsonField.hasPrefix("targeting.hours_of_week") { return "hours" }
        for (list, field) in [("devices", "devices"), ("os", "os")] {
            if jsonField.hasPrefix("targeting.exclude.\(list)") { return "ex_\(field)" }
            if jsonField.hasPrefix("targeting.\(list)") { return field }
        }
        let base = jsonField.split(separator: "[").first.map(String.init) ?? jsonField
        return fields.first { $0.json == base }?.name ?? fields.first { base.hasPrefix($0.json + ".") }?.name ?? "id"
    }

    /// Reads the form's fields into campaign JSON values, noting each field's error.
    struct Reader {
        var form: CampaignForm
        /// Placeholders in the JSON and the exact digits that replace them.
        var splices: [(String, String)] = []

        func text(_ name: String) -> String { (form.values[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }

        func list(_ name: String) -> [String] {
            text(name).split(whereSeparator: { $0 == "," || $0 == "\n" }).map { $0.trimmingCharacters(in: .whitespaces) }.filter {
                !$0.isEmpty
            }
        }

        mutating func money(_ name: String, text value: String? = nil) -> Int64? {
            switch DecimalMoney.parseMicros(value ?? text(name), maximum: .maximum) {
            case .success(let micros): return micros.value
            case .failure:
                form.errors[name] = "must be an amount in currency units, such as 2.50 (at most six decimals, not negative)"
                return nil
            }
        }

        mutating func whole(_ name: String, _ value: String, in range: ClosedRange<Int>) -> Int? {
            guard let number = Int(value), range.contains(number) else {
                form.errors[name] = "'\(value.prefix(32))' must be a whole number from \(range.lowerBound) to \(range.upperBound)"
                return nil
            }
            return number
        }

        mutating func rate(_ name: String, example: String) -> Any {
            let rate = text(name)
            guard !rate.isEmpty else { return NSNull() }
            guard rate.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), ClickThroughRate(decimal: rate) != nil else {
                form.errors[name] = "must be a decimal number in (0, 1], such as \(example)"
                return NSNull()
            }
            splices.append(("__\(name)__", rate))
            return "__\(name)__"
        }

        mutating func frequencyCap() -> Any {
            let impressions = text("cap_impressions")
            guard !impressions.isEmpty else { return NSNull() }
            let count = whole("cap_impressions", impressions, in: 1...1_000_000)
            let unit = CampaignForm.capUnits.first { $0.name == text("cap_unit") }?.seconds ?? 3_600
            let window = whole("cap_window", text("cap_window"), in: 1...Int(2_592_000 / unit))
            guard let count, let window else { return NSNull() }
            return [
                "impressions": count, "window_seconds": Int64(window) * unit, "refuse_anonymous": !text("cap_refuse_anonymous").isEmpty,
            ]
        }

        func targeting(existing: [String: Any]?) -> [String: Any] {
            var targeting = existing ?? [:]
            var exclude = targeting["exclude"] as? [String: Any] ?? [:]
            for (prefix, isExclude) in [("", false), ("ex_", true)] {
                var lists: [String: Any] = [
                    "placements": list(prefix + "placements"), "countries": list(prefix + "countries").map { $0.uppercased() },
                    "keywords": list(prefix + "keywords"),
                    "devices": DeviceType.allCases.map(\.rawValue).filter { !text("\(prefix)device_\($0)").isEmpty },
                    "os": OperatingSystem.allCases.map(\.rawValue).filter { !text("\(prefix)os_\($0)").isEmpty },
                ]
                if isExclude {
                    lists["hours_of_week"] = exclude["hours_of_week"] ?? [Int]()
                    exclude.merge(lists) { $1 }
                } else {
                    targeting.merge(lists) { $1 }
                }
            }
            targeting["hours_of_week"] = (0..<168).filter { !text("hour_\($0)").isEmpty }
            targeting["exclude"] = exclude
            return targeting
        }

        mutating func deals() -> [[String: Any]] {
            text("deals").split(whereSeparator: \.isNewline).compactMap { line -> [String: Any]? in
                let parts = line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
                guard let id = parts.first else { return nil }
                guard parts.count <= 2 else {
                    form.errors["deals"] = "'\(line.prefix(64))': a deal id, then at most a floor such as 4.00"
                    return nil
                }
                var deal: [String: Any] = ["id": id]
                if parts.count == 2 { deal["floor_micros"] = money("deals", text: parts[1]) ?? 0 }
                return deal
            }
        }

        /// Creative `index` as JSON, or nil when it is marked for removal or left empty.
        mutating func creative(_ index: Int) -> [String: Any]? {
            let prefix = "cr\(index)_"
            func field(_ name: String) -> String { text(prefix + name) }
            guard field("remove").isEmpty else { return nil }
            let format = CreativeFormat(rawValue: field("format")) ?? .banner
            let filled = (["id", "click_url"] + (CampaignForm.creativeFields[format] ?? []).map(\.name)).contains {
                !field($0).isEmpty && !(format == .banner && $0 == "size")
            }
            guard filled else { return nil }
            var creative: [String: Any] = [
                "id": field("id").isEmpty ? "\(text("id"))-\(format.rawValue)-\(index + 1)" : field("id"),
                "click_url": field("click_url"), "adomain": list(prefix + "adomain"),
            ]
            switch format {
            case .banner:
                creative["size"] = field("size")
                creative["image_url"] = field("image_url")
            case .video:
                creative["format"] = "video"
                var media: [[String: Any]] = []
                for line in field("media").split(whereSeparator: \.isNewline) {
                    let parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                    let size = parts.count == 4 ? parts[2].split(separator: "x").map(String.init) : []
                    guard parts.count == 4, size.count == 2, let width = Int(size[0]), let height = Int(size[1]),
                        let bitrate = Int(parts[3])
                    else {
                        form.errors[prefix + "media"] = "'\(line.prefix(80))': a URL, a mime type, WIDTHxHEIGHT and a bitrate in kbps"
                        continue
                    }
                    media.append(["url": parts[0], "mime": parts[1], "width": width, "height": height, "bitrate_kbps": bitrate])
                }
                let duration = whole(prefix + "duration", field("duration"), in: 1...VideoCreative.maximumDurationSeconds) ?? 1
                var skip: Any = NSNull()
                if !field("skip_after").isEmpty {
                    skip = whole(prefix + "skip_after", field("skip_after"), in: 0...VideoCreative.maximumDurationSeconds) ?? 0
                }
                creative["video"] = ["duration_seconds": duration, "media_files": media, "skip_after_seconds": skip]
            case .native:
                creative["format"] = "native"
                let size = field("image_size").split(separator: "x").map(String.init)
                var native: [String: Any] = ["title": field("title"), "image_url": field("native_image_url")]
                if size.count == 2, let width = Int(size[0]), let height = Int(size[1]) {
                    native["image_width"] = width
                    native["image_height"] = height
                } else {
                    form.errors[prefix + "image_size"] = "must be WIDTHxHEIGHT, such as 1200x627"
                }
                for key in ["description", "icon_url", "call_to_action", "sponsored_by"] {
                    native[key] = field(key).isEmpty ? NSNull() : field(key)
                }
                creative["native"] = native
            }
            return creative
        }
    }
}
