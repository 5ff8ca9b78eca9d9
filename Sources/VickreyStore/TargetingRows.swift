import VickreyCore

/// How targeting maps to rows of `campaign_targeting` and back.
enum TargetingRows {
    /// The `dimension` column's values.
    static let dimensions: Set<String> = ["placement", "country", "device", "os", "keyword"]

    static func rows(of c: Campaign) -> [TargetingRow] {
        let t = c.targeting
        var rows: [TargetingRow] = []
        func add(_ dimension: String, _ mode: String, _ values: some Sequence<String>) {
            for value in values { rows.append(TargetingRow(campaignID: c.id.rawValue, dimension: dimension, mode: mode, value: value)) }
        }
        add("placement", "include", t.placements.map(\.rawValue))
        add("country", "include", t.countries.map(\.rawValue))
        add("device", "include", t.devices.map(\.rawValue))
        add("os", "include", t.operatingSystems.map(\.rawValue))
        add("keyword", "include", t.keywords.map(\.rawValue))
        add("placement", "exclude", t.exclude.placements.map(\.rawValue))
        add("country", "exclude", t.exclude.countries.map(\.rawValue))
        add("device", "exclude", t.exclude.devices.map(\.rawValue))
        add("os", "exclude", t.exclude.operatingSystems.map(\.rawValue))
        add("keyword", "exclude", t.exclude.keywords.map(\.rawValue))
        return rows
    }

    /// Adds a campaign's keyword rows of one mode to `t` as one set, made at its size; nil,
    /// or the first value that is not a keyword.
    static func add(keywords values: [String], include: Bool, to t: inout Targeting) -> String? {
        var keywords: [Keyword] = []
        keywords.reserveCapacity(values.count)
        for value in values {
            guard let keyword = Keyword(value) else { return value }
            keywords.append(keyword)
        }
        let current = include ? t.keywords : t.exclude.keywords
        // A campaign's rows of one mode split in two groups (a scan out of key order) join.
        let set = KeywordSet(current.isEmpty ? keywords : Array(current) + keywords)
        if include { t.keywords = set } else { t.exclude.keywords = set }
        return nil
    }
}

/// Hours of the week as compact, readable ranges: `0-5,8,10-20`.
public enum HourRanges {
    public static func format(_ hours: HoursOfWeek) -> String {
        var parts: [String] = []
        var runStart: Int?
        for hour in 0...HoursOfWeek.count {
            let inside = hour < HoursOfWeek.count && hours.contains(hour)
            if inside, runStart == nil { runStart = hour }
            if !inside, let start = runStart {
                parts.append(start == hour - 1 ? "\(start)" : "\(start)-\(hour - 1)")
                runStart = nil
            }
        }
        return parts.joined(separator: ",")
    }

    /// Nil when the text is not a list of hours or ranges within 0–167.
    public static func parse(_ text: String) -> HoursOfWeek? {
        var hours = HoursOfWeek()
        for part in text.split(separator: ",") {
            let bounds = part.filter { $0 != " " }.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = Int(bounds[0]),
                let high = bounds.count == 2 ? Int(bounds[1]) : low,
                0 <= low, low <= high, high < HoursOfWeek.count
            else { return nil }
            for hour in low...high { hours.insert(hour) }
        }
        return hours
    }
}

extension Targeting {
    /// The targeting as readable clauses, as `adctl campaign show` and the console print it:
    /// `placements: any`, `countries: CA, US`, …, then one `exclude …` clause per excluded
    /// dimension that has values.
    public var summary: [String] {
        func list(_ values: [String]) -> String { values.isEmpty ? "any" : values.joined(separator: ", ") }
        var clauses = [
            "placements: \(list(placements.map(\.rawValue).sorted()))", "countries: \(list(countries.map(\.rawValue).sorted()))",
            "devices: \(list(devices.sorted().map(\.rawValue)))", "os: \(list(operatingSystems.sorted().map(\.rawValue)))",
            "keywords: \(list(keywords.map(\.rawValue).sorted()))",
            "hours: \(hoursOfWeek.isEmpty ? "any" : HourRanges.format(hoursOfWeek))",
        ]
        clauses += [
            ("placements", exclude.placements.map(\.rawValue).sorted()), ("countries", exclude.countries.map(\.rawValue).sorted()),
            ("devices", exclude.devices.sorted().map(\.rawValue)), ("os", exclude.operatingSystems.sorted().map(\.rawValue)),
            ("keywords", exclude.keywords.map(\.rawValue).sorted()),
        ].filter { !$0.1.isEmpty }.map { "exclude \($0.0): \($0.1.joined(separator: ", "))" }
        if !exclude.hoursOfWeek.isEmpty { clauses.append("exclude hours: \(HourRanges.format(exclude.hoursOfWeek))") }
        return clauses
    }
}
