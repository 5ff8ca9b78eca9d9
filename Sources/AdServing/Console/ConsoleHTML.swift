import HTTPTypes
import Hummingbird
import NIOCore
import VickreyCore
import VickreyStore
import VickreyWire

/// The console's HTML, written by hand: one layout, escaped text everywhere, every
/// asset served by the server itself (`/console/assets/console.css`), no script.
enum ConsoleHTML {
    /// Text for an element or an attribute value.
    static func escape(_ text: String) -> String { HTMLText.escape(text) }

    /// A whole page: `title`, the navigation for `principal` (nil: signed out), `body`.
    static func page(_ title: String, principal: Principal?, csrf: String?, _ body: String) -> String {
        var nav = ""
        if let principal {
            let who = principal.role == .advertiser ? "advertiser \(principal.advertiserID?.rawValue ?? "")" : principal.role.rawValue
            nav = """
                <nav><a href="/console/campaigns">Campaigns</a> <a href="/console/line-items">Line items</a> <a href="/console/reports">Reports</a>\
                \(principal.role == .admin ? #" <a href="/console/experiments">Experiments</a> <a href="/console/audit">Audit log</a>"# : "")
                <span class="who">signed in as \(escape(who))</span>
                <form method="post" action="/console/signout" class="inline">\(csrfField(csrf))<button type="submit">Sign out</button></form></nav>
                """
        }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) · Vickrey</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="stylesheet" href="/console/assets/console.css"></head>
            <body><header><a class="brand" href="/console/">Vickrey</a>\(nav)</header>
            <main><h1>\(escape(title))</h1>
            \(body)
            </main></body></html>
            """
    }

    /// A refused console request as a page: the status, the reason, a way back.
    static func errorResponse(_ error: APIError) -> Response {
        let title = error.status == .forbidden ? "Not allowed" : error.status == .notFound ? "Not found" : "Refused"
        let body = """
            <p class="notice" id="refusal">\(error.status.code) \(escape(error.status.reasonPhrase)): \(escape(error.message))\
            \(error.field.map { " (field \(escape($0)))" } ?? "")</p>
            <p><a href="/console/campaigns">Back to the campaigns</a></p>
            """
        return Response(
            status: error.status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("Content-Security-Policy")!:
                    "default-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: page(title, principal: nil, csrf: nil, body))))
    }

    static func csrfField(_ token: String?) -> String {
        token.map { #"<input type="hidden" name="csrf" value="\#(escape($0))">"# } ?? ""
    }

    /// Parts per million as a percentage with two decimals, truncated (`0.70%`).
    static func percent(_ ppm: Int64) -> String { DecimalMoney.format(ppm / 100, fractionDigits: 2) + "%" }

    static func money(_ nanos: Nanos) -> String { DecimalMoney.format(nanos.value / 10_000_000, fractionDigits: 2) }
    static func money(_ micros: Micros) -> String { DecimalMoney.format(micros.value / 10_000, fractionDigits: 2) }

    /// A bar showing `part` of `whole` (nil whole: no budget of that kind).
    static func bar(_ part: Nanos, of whole: Nanos?) -> String {
        guard let whole else { return "\(money(part)) <span class=\"muted\">no limit</span>" }
        // A <progress> element: no inline style, which the console's CSP refuses.
        let permille = whole.value == 0 ? 1_000 : min(1_000, Int(part.value * 1_000 / max(whole.value, 1)))
        return """
            <progress max="1000" value="\(permille)" title="\(permille / 10).\(permille % 10)%"></progress> \(money(part)) of \(money(whole)) \
            <span class="share">\(permille / 10).\(permille % 10)%</span>
            """
    }

    /// A line item's cumulative delivery (solid) against its ideal curve (dashed), by hour,
    /// from 0 to its goal, with dates on the x axis and the goal and half of it on the y axis.
    static func goalChart(_ points: [(label: String, delivered: Int64, ideal: Int64)], goal: Int64) -> String {
        let width = 720
        let height = 240
        let left = 70
        let bottom = 40
        let top = 16
        let maximum = max(goal, points.map(\.delivered).max() ?? 1, 1)
        func x(_ index: Int) -> Int { left + index * (width - left - 10) / max(points.count - 1, 1) }
        func y(_ value: Int64) -> Int { height - bottom - Int(value * Int64(height - bottom - top) / maximum) }
        let delivered = points.enumerated().map { "\(x($0.offset)),\(y($0.element.delivered))" }.joined(separator: " ")
        let ideal = points.enumerated().map { "\(x($0.offset)),\(y($0.element.ideal))" }.joined(separator: " ")
        var svg = """
            <svg class="chart" id="goal-chart" viewBox="0 0 \(width) \(height)" role="img" aria-label="delivery against the ideal curve">
            <line x1="\(left)" y1="\(height - bottom)" x2="\(width - 10)" y2="\(height - bottom)" stroke="#444"/>
            <text x="\(left - 6)" y="\(height - bottom)" text-anchor="end">0</text>
            <text x="\(left - 6)" y="\(y(goal / 2) + 4)" text-anchor="end">\(goal / 2)</text>
            <text x="\(left - 6)" y="\(y(goal) + 4)" text-anchor="end">\(goal)</text>
            <line x1="\(left)" y1="\(y(goal))" x2="\(width - 10)" y2="\(y(goal))" stroke="#bbb"/>
            <polyline points="\(ideal)" fill="none" stroke="#999" stroke-dasharray="6 4"><title>ideal curve</title></polyline>
            <polyline points="\(delivered)" fill="none" stroke="#1f6fb2" stroke-width="2"><title>delivered</title></polyline>

            """
        for (index, point) in points.enumerated() where index % max(1, points.count / 6) == 0 {
            svg += #"<text x="\#(x(index))" y="\#(height - bottom + 16)">\#(escape(point.label))</text>"# + "\n"
        }
        return svg + "</svg>"
    }

    /// The smallest of 1, 2 or 5 times a power of ten at or above `value`: a chart's top.
    static func niceCeiling(_ value: Int64) -> Int64 {
        var power: Int64 = 1
        while true {
            for step in [1, 2, 5] as [Int64] where step * power >= value { return step * power }
            power *= 10
        }
    }

    /// Delivery by hour as an SVG bar chart: impressions per hour against a scale with
    /// gridlines (0 to a round top), each hour's time on the x axis every few hours and its
    /// date under the first hour and under each midnight (UTC); each bar's title gives its
    /// hour, impressions and spend. `label` is `YYYY-MM-DD HH:MM`.
    static func hourlyChart(_ hours: [(label: String, impressions: Int64, spend: Nanos)]) -> String {
        let width = 720
        let height = 240
        let left = 56
        let bottom = 46
        let top = 14
        // At least 5, so every gridline's value is a whole number: 1×10ᵏ and 5×10ᵏ tops split
        // in fifths, 2×10ᵏ in quarters.
        let scaleTop = niceCeiling(max(hours.map(\.impressions).max() ?? 0, 5))
        let parts = String(scaleTop).hasPrefix("2") ? 4 : 5
        let plotHeight = Double(height - bottom - top)
        let slot = Double(width - left - 10) / Double(max(hours.count, 1))
        var svg = """
            <svg class="chart" id="hourly-chart" viewBox="0 0 \(width) \(height)" role="img" aria-label="impressions by hour">
            <text x="12" y="\(top + Int(plotHeight / 2))" transform="rotate(-90 12 \(top + Int(plotHeight / 2)))" text-anchor="middle">impressions per hour</text>

            """
        for part in 0...parts {
            let value = scaleTop * Int64(part) / Int64(parts)
            let y = height - bottom - Int(Double(part) / Double(parts) * plotHeight)
            svg += """
                <line x1="\(left)" y1="\(y)" x2="\(width - 10)" y2="\(y)" stroke="\(part == 0 ? "#444" : "#e3e6ea")"/>\
                <text x="\(left - 6)" y="\(y + 4)" text-anchor="end" class="tick">\(value)</text>

                """
        }
        let every = max(1, Int((Double(hours.count) / 8).rounded(.up)))
        for (index, hour) in hours.enumerated() {
            let barHeight = Double(hour.impressions) / Double(scaleTop) * plotHeight
            let x = Double(left) + Double(index) * slot + 1
            svg += """
                <rect x="\(Int(x))" y="\(Int(Double(height - bottom) - barHeight))" width="\(max(1, Int(slot) - 2))" height="\(Int(barHeight))" fill="#1f6fb2"><title>\(escape(hour.label)) UTC: \(hour.impressions) impressions, \(money(hour.spend)) spent</title></rect>

                """
            let time = String(hour.label.suffix(5))
            if index % every == 0 {
                svg += #"<text x="\#(Int(x))" y="\#(height - bottom + 14)" class="tick">\#(escape(time))</text>"# + "\n"
            }
            if index == 0 || time == "00:00" {
                svg +=
                    ##"<line x1="\##(Int(x))" y1="\##(top)" x2="\##(Int(x))" y2="\##(height - bottom + 18)" stroke="#bbb" stroke-dasharray="2 3"/>"##
                let anchor = Int(x) > width - 80 ? #" text-anchor="end""# : ""
                svg +=
                    #"<text x="\#(Int(x))" y="\#(height - bottom + 30)" class="date"\#(anchor)>\#(escape(String(hour.label.prefix(10))))</text>"#
                    + "\n"
            }
        }
        return svg + #"<text x="\#(width - 10)" y="\#(height - 2)" text-anchor="end" class="tick">hour (UTC)</text></svg>"#
    }

    static let stylesheet = """
        body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #f6f7f9; }
        header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.5rem; background: #14213d; color: #fff; }
        header a { color: #fff; text-decoration: none; margin-right: 1rem; }
        header .brand { font-weight: 700; font-size: 1.1rem; }
        nav { display: flex; align-items: center; gap: .5rem; flex: 1; }
        nav .who { margin-left: auto; opacity: .8; }
        main { padding: 1rem 1.5rem 3rem; max-width: 1200px; }
        table { border-collapse: collapse; background: #fff; width: 100%; }
        th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
        th { background: #eef1f5; font-weight: 600; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        progress { width: 90px; height: 10px; vertical-align: middle; accent-color: #2a9d8f; }
        .muted { color: #777; }
        .status-active { color: #1a7f37; } .status-paused { color: #9a6700; } .status-archived { color: #777; }
        form.inline { display: inline; }
        form.edit label { display: block; margin-top: .7rem; font-weight: 600; }
        form.edit input, form.edit select { font: inherit; padding: .3rem; width: 24rem; max-width: 100%; }
        .error { color: #b42318; font-size: .9rem; display: block; }
        .notice { background: #fff4e5; border: 1px solid #f0c36d; padding: .5rem .8rem; margin-bottom: 1rem; }
        button { font: inherit; padding: .3rem .8rem; cursor: pointer; }
        .chart { width: 100%; max-width: 720px; background: #fff; font-size: 11px; }
        .significant { font-weight: 700; color: #1a7f37; }
        .chart .tick { fill: #555; } .chart .date { font-weight: 600; fill: #1b1b1b; }
        fieldset { border: 1px solid #d5d9e0; background: #fff; margin: 1rem 0; padding: .4rem 1rem 1rem; }
        legend { font-weight: 700; padding: 0 .3rem; }
        fieldset.creative { background: #fafbfc; }
        form.edit textarea { font: inherit; padding: .3rem; width: 36rem; max-width: 100%; }
        form.edit label.check { display: inline; font-weight: 400; margin-right: .8rem; }
        form.edit .label { display: block; margin-top: .7rem; font-weight: 600; }
        form.edit .pair input { width: 6rem; }
        form.edit input[type=checkbox] { width: auto; }
        table.hours { width: auto; font-size: 11px; }
        table.hours th, table.hours td { padding: 0 .1rem; text-align: center; border: 0; background: none; }
        .filters label { margin-right: .8rem; }
        .previews { display: flex; flex-wrap: wrap; gap: 1rem; }
        .preview { background: #fff; border: 1px solid #e3e6ea; padding: .5rem; max-width: 340px; }
        .preview img { max-width: 320px; max-height: 260px; display: block; }
        .preview video { max-width: 320px; display: block; }
        .preview .native-title { font-weight: 700; margin: .3rem 0 0; }
        .callout { border-left: 4px solid #1a7f37; background: #eef8f0; padding: .5rem .8rem; margin: .6rem 0; }
        .callout.warn { border-color: #b42318; background: #fdeceb; }
        .health-at_risk { color: #b42318; font-weight: 600; } .health-behind { color: #9a6700; font-weight: 600; }
        .health-on_track { color: #1a7f37; } .health-completed { color: #777; }
        .default-submit { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
        .callout.neutral { border-color: #8a94a6; background: #f1f3f6; }
        table.arms { width: auto; } table.arms input { width: 9rem; }
        """
}
