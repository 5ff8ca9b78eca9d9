import Foundation
import VickreyCore

/// The campaign form as HTML: sections for the campaign, price and budget, flight, cap,
/// targeting, deals and creatives; menus where the value is one of a few; a grid of the
/// week's hours; each error next to its field.
extension CampaignForm {
    /// The form posting to `action`; `locked` fields are shown but not editable.
    func html(action: String, csrf: String, submit: String, locked: Set<String> = []) -> String {
        var html = #"<form method="post" action="\#(ConsoleHTML.escape(action))" class="edit" novalidate>"# + ConsoleHTML.csrfField(csrf)
        html += #"<input type="hidden" name="creatives" value="\#(creativeCount)">"#
        // Enter in a field presses a form's first button: make that one save, not "add a creative".
        html += #"<button type="submit" class="default-submit" tabindex="-1" aria-hidden="true">\#(ConsoleHTML.escape(submit))</button>"#
        if !errors.isEmpty {
            html += #"<p class="notice" id="form-errors">Not saved: \#(errors.count) field(s) need a change (marked below).</p>"#
        }
        html += section("Campaign") {
            input("id", locked: locked) + advertiserMenu(locked: locked) + input("name")
                + menu("status", [("active", "active"), ("paused", "paused"), ("archived", "archived")])
        }
        html += section("Price and budget") {
            menu("pricing", Pricing.allCases.map { ($0.rawValue, Self.pricingLabels[$0] ?? $0.rawValue) }) + input("bid")
                + input("predicted_ctr") + input("predicted_viewability") + input("predicted_completion_rate") + input("daily_budget")
                + input("total_budget")
                + menu("pacing", [("asap", "asap: as fast as the auctions allow"), ("even", "even: spread over the day")])
        }
        html += section("Flight") {
            input("start", placeholder: "2026-12-01T00:00:00Z") + input("end", placeholder: "2026-12-31T00:00:00Z")
                + menu("time_zone", Self.timeZones.map { ($0, $0) })
        }
        html += section("Frequency cap") {
            input("cap_impressions", type: "number") + label("cap_window")
                + #"<span class="pair"><input id="f-cap_window" name="cap_window" type="number" min="1" value="\#(value("cap_window"))"> "#
                + select("cap_unit", Self.capUnits.map { ($0.name, $0.name) }) + "</span>" + error("cap_window")
                + checkbox("cap_refuse_anonymous")
        }
        html += section("Targeting") {
            input("placements") + input("countries") + input("keywords")
                + checkboxes("Devices (none ticked: any)", "devices", prefix: "device_", DeviceType.allCases.map(\.rawValue))
                + checkboxes("Operating systems (none ticked: any)", "os", prefix: "os_", OperatingSystem.allCases.map(\.rawValue))
                + hoursGrid()
        }
        html += section("Exclusions") {
            input("ex_placements") + input("ex_countries") + input("ex_keywords")
                + checkboxes("Excluded devices", "ex_devices", prefix: "ex_device_", DeviceType.allCases.map(\.rawValue))
                + checkboxes("Excluded operating systems", "ex_os", prefix: "ex_os_", OperatingSystem.allCases.map(\.rawValue))
                + input("exclusion_labels")
        }
        html += section("Deals and roadblocks") {
            textarea("deals", rows: 3) + checkbox("roadblock")
        }
        html += section("Creatives") {
            (0..<creativeCount).map(creativeHTML).joined()
                + #"<p class="add">Add a creative: "#
                + CreativeFormat.allCases.map {
                    #"<button type="submit" name="add" value="\#($0.rawValue)" id="add-\#($0.rawValue)" formnovalidate>\#($0.rawValue)</button>"#
                }.joined(separator: " ") + "</p>"
        }
        return html + #"<p><button type="submit" id="save">\#(ConsoleHTML.escape(submit))</button></p></form>"#
    }

    static let pricingLabels: [Pricing: String] = [
        .cpm: "cpm: per 1000 impressions", .cpc: "cpc: per click", .vcpm: "vcpm: per 1000 viewable impressions",
        .cpcv: "cpcv: per completed video view",
    ]

    /// Every IANA zone this machine knows, UTC first.
    static let timeZones: [String] = ["UTC"] + TimeZone.knownTimeZoneIdentifiers.filter { $0 != "UTC" }.sorted()

    static func label(of name: String) -> String { fields.first { $0.name == name }?.label ?? name }

    private func value(_ name: String) -> String { ConsoleHTML.escape(values[name] ?? "") }

    private func section(_ title: String, _ content: () -> String) -> String {
        "<fieldset><legend>\(title)</legend>\(content())</fieldset>"
    }

    private func label(_ name: String) -> String {
        #"<label for="f-\#(name)">\#(ConsoleHTML.escape(Self.label(of: name)))</label>"#
    }

    private func error(_ name: String) -> String {
        errors[name].map { #"<span class="error" id="error-\#(name)">\#(ConsoleHTML.escape($0))</span>"# } ?? ""
    }

    private func input(_ name: String, locked: Set<String> = [], type: String = "text", placeholder: String? = nil) -> String {
        let extra = (locked.contains(name) ? " readonly" : "") + (placeholder.map { #" placeholder="\#($0)""# } ?? "")
        return label(name) + #"<input id="f-\#(name)" name="\#(name)" type="\#(type)" value="\#(value(name))"\#(extra)>"# + error(name)
    }

    private func checkbox(_ name: String) -> String {
        #"<p><label class="check"><input type="checkbox" id="f-\#(name)" name="\#(name)"\#(value(name).isEmpty ? "" : " checked")> \#(ConsoleHTML.escape(Self.label(of: name)))</label></p>"#
            + error(name)
    }

    private func textarea(_ name: String, rows: Int) -> String {
        label(name) + #"<textarea id="f-\#(name)" name="\#(name)" rows="\#(rows)">\#(value(name))</textarea>"# + error(name)
    }

    /// A menu; a value it does not offer (sent by hand) is kept as its first option.
    private func select(_ name: String, _ options: [(value: String, label: String)]) -> String {
        let chosen = values[name] ?? ""
        let offered = chosen.isEmpty || options.contains { $0.value == chosen } ? options : [(chosen, chosen)] + options
        return #"<select id="f-\#(name)" name="\#(name)">"#
            + offered.map { option in
                #"<option value="\#(ConsoleHTML.escape(option.0))"\#(option.0 == chosen ? " selected" : "")>\#(ConsoleHTML.escape(option.1))</option>"#
            }.joined() + "</select>"
    }

    private func menu(_ name: String, _ options: [(value: String, label: String)]) -> String {
        label(name) + select(name, options) + error(name)
    }

    /// The advertiser: a menu of the known advertisers, read-only on edit.
    private func advertiserMenu(locked: Set<String>) -> String {
        guard !locked.contains("advertiser_id"), !advertisers.isEmpty else { return input("advertiser_id", locked: locked) }
        return menu("advertiser_id", [("", "(choose)")] + advertisers.map { ($0, $0) })
    }

    private func checkboxes(_ title: String, _ name: String, prefix: String, _ options: [String]) -> String {
        #"<span class="label">\#(ConsoleHTML.escape(title))</span><span class="checks">"#
            + options.map { option in
                let field = prefix + option
                return
                    #"<label class="check"><input type="checkbox" id="f-\#(field)" name="\#(field)"\#(value(field).isEmpty ? "" : " checked")> \#(option)</label>"#
            }.joined(separator: " ") + "</span>" + error(name)
    }

    /// The week's 168 hours as a grid of boxes, Monday 00:00 first, in the campaign's zone.
    private func hoursGrid() -> String {
        var html = #"<span class="label">Hours of the week, in the campaign's time zone (none ticked: every hour)</span>"#
        html += #"<table class="hours" id="hours"><thead><tr><th></th>"#
        html += (0..<24).map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody>"
        for (day, name) in Self.weekdays.enumerated() {
            html += "<tr><th>\(name)</th>"
            for hour in 0..<24 {
                let field = "hour_\(day * 24 + hour)"
                html +=
                    #"<td><input type="checkbox" name="\#(field)" id="f-\#(field)" title="\#(name) \#(hour):00"\#(value(field).isEmpty ? "" : " checked")></td>"#
            }
            html += "</tr>"
        }
        return html + "</tbody></table>" + error("hours")
    }

    private func creativeHTML(_ index: Int) -> String {
        let prefix = "cr\(index)_"
        let format = CreativeFormat(rawValue: values[prefix + "format"] ?? "") ?? .banner
        var html = #"<fieldset class="creative" id="creative-\#(index)"><legend>Creative \#(index + 1): \#(format.rawValue)</legend>"#
        html += #"<input type="hidden" name="\#(prefix)format" value="\#(format.rawValue)">"#
        func field(_ name: String, _ title: String, multiline: Bool = false) -> String {
            let id = prefix + name
            let control =
                multiline
                ? #"<textarea id="f-\#(id)" name="\#(id)" rows="3">\#(value(id))</textarea>"#
                : #"<input id="f-\#(id)" name="\#(id)" value="\#(value(id))">"#
            return #"<label for="f-\#(id)">\#(ConsoleHTML.escape(title))</label>"# + control + error(id)
        }
        html += field("id", "Creative id (empty: made from the campaign id)")
        for (name, title) in Self.creativeFields[format] ?? [] { html += field(name, title, multiline: name == "media") }
        html += field("click_url", "Click URL") + field("adomain", "Advertiser domains (comma-separated)")
        html +=
            #"<p><label class="check"><input type="checkbox" name="\#(prefix)remove" id="f-\#(prefix)remove"\#(value(prefix + "remove").isEmpty ? "" : " checked")> Remove this creative</label></p>"#
        return html + "</fieldset>"
    }
}
