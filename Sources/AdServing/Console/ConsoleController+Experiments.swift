import Foundation
import Hummingbird
import VickreyCore
import VickreyStore
import VickreyWire
import VickreyYield

/// The console's experiments (admins): each experiment's arms with their intervals, what
/// the report concludes called out (which arms differ significantly from the baseline,
/// whether the split is broken), a stop button, and a form to start one.
extension ConsoleController {
    /// How many arms the start form offers (an experiment may have more through the API).
    static let formArms = 4

    func experimentsPage(_ request: Request, form: [String: String]? = nil, errors: [String: String] = [:]) async throws -> Response {
        let (_, session) = try await requireSession(request)
        let experiments = try await administration.experiments(for: session.principal)
        var body = experiments.isEmpty ? #"<p class="muted">No experiments yet: start one below.</p>"# : ""
        for stored in experiments.reversed() {
            let report = try await administration.experimentReport(stored.experiment.id.rawValue, for: session.principal)
            body += experimentSection(stored, report, csrf: session.csrfToken)
        }
        body += experimentForm(
            form ?? ["arm0_name": "control", "arm0_weight": "50", "arm1_weight": "50"], errors: errors, csrf: session.csrfToken)
        return html("Experiments", session, body, status: errors.isEmpty ? .ok : .badRequest)
    }

    private func experimentSection(_ stored: StoredExperiment, _ report: ExperimentReport, csrf: String) -> String {
        let id = ConsoleHTML.escape(stored.experiment.id.rawValue)
        let running = stored.experiment.status == .running
        let placements =
            stored.experiment.placements.isEmpty ? "every placement" : stored.experiment.placements.map(\.rawValue).joined(separator: ", ")
        var html = """
            <section id="experiment-\(id)"><h2>\(id) <span class="muted">\(stored.experiment.status.rawValue), since \(stored.createdAt.rfc3339)\
            \(stored.stoppedAt.map { ", stopped \($0.rfc3339)" } ?? "")</span></h2>
            <p class="muted">On \(ConsoleHTML.escape(placements)); users split by weight \(stored.experiment.arms.map { "\(ConsoleHTML.escape($0.name.rawValue)) \($0.weight)" }.joined(separator: " / ")).\
            \(running ? #" <form method="post" action="/console/experiments/\#(id)/stop" class="inline">\#(ConsoleHTML.csrfField(csrf))<button type="submit" id="stop-\#(id)">Stop</button></form>"# : "")</p>
            """
        html += Self.callouts(report, experimentID: id)
        html += """
            <table><thead><tr><th>Arm</th><th class="num">Auctions</th><th class="num">Fill rate</th><th class="num">Impressions</th>\
            <th class="num">Revenue</th><th class="num">RPM</th><th class="num">RPM 95% CI</th><th class="num">Δ RPM</th><th class="num">Δ 95% CI</th></tr></thead><tbody>
            """
        func interval(_ range: ClosedRange<Int64>?) -> String {
            range.map { "\(ConsoleHTML.money(Micros($0.lowerBound))) – \(ConsoleHTML.money(Micros($0.upperBound)))" } ?? "–"
        }
        for arm in report.arms {
            let difference = arm.difference.map { ConsoleHTML.money(Micros($0)) } ?? "baseline"
            html += """
                <tr><td>\(ConsoleHTML.escape(arm.arm.name.rawValue))</td><td class="num">\(arm.auctions)</td>\
                <td class="num">\(ConsoleHTML.percent(arm.fillRatePPM))</td><td class="num">\(arm.impressions)</td>\
                <td class="num">\(ConsoleHTML.money(arm.revenue))</td><td class="num">\(ConsoleHTML.money(Micros(arm.rpm)))</td>\
                <td class="num">\(interval(arm.rpmInterval))</td><td class="num\(arm.significant == true ? " significant" : "")">\(difference)</td>\
                <td class="num">\(interval(arm.differenceInterval))</td></tr>
                """
        }
        return html + "</tbody></table></section>"
    }

    /// What the report concludes, in words: the sample-ratio check first (a broken split
    /// voids the rest), then each arm whose RPM differs significantly from the baseline's.
    static func callouts(_ report: ExperimentReport, experimentID id: String) -> String {
        guard report.arms.contains(where: { $0.auctions > 0 }) else {
            return #"<p class="muted" id="srm-\#(id)">No auctions under this experiment yet: nothing to compare or check.</p>"#
        }
        let z = String(format: "%.2f", report.sampleRatio.largestZ)
        if report.sampleRatio.mismatch {
            let arm = report.sampleRatio.worstArm.map { " (most of all \(ConsoleHTML.escape($0.rawValue)))" } ?? ""
            return """
                <p class="callout warn" id="srm-\(id)"><strong>Sample ratio mismatch.</strong> The arms' shares of auctions are far from \
                their weights\(arm): |z| = \(z), above 3.29. Something other than chance splits the traffic (a placement or a \
                client seen by one arm only, a restart that changed the weights…); do not trust the differences below.</p>
                """
        }
        var html =
            #"<p class="muted" id="srm-\#(id)">Sample ratio check passed: the arms' shares of auctions match their weights (largest |z| \#(z), limit 3.29).</p>"#
        let baseline = report.arms.first.map { ConsoleHTML.escape($0.arm.name.rawValue) } ?? "the baseline"
        let significant = report.arms.filter { $0.significant == true }
        for arm in significant {
            let difference = arm.difference ?? 0
            let interval =
                arm.differenceInterval.map {
                    "\(ConsoleHTML.money(Micros($0.lowerBound))) to \(ConsoleHTML.money(Micros($0.upperBound)))"
                } ?? ""
            html += """
                <p class="callout" id="significant-\(id)-\(ConsoleHTML.escape(arm.arm.name.rawValue))"><strong>\(ConsoleHTML.escape(arm.arm.name.rawValue)) \
                \(difference >= 0 ? "earns more" : "earns less") than \(baseline)</strong>: RPM \(difference >= 0 ? "+" : "")\(ConsoleHTML.money(Micros(difference))) \
                (95% interval \(interval), which excludes zero).</p>
                """
        }
        if significant.isEmpty, report.arms.count > 1 {
            html +=
                #"<p class="callout neutral" id="significant-\#(id)">No arm's RPM differs significantly from \#(baseline)'s yet (every 95% interval of the difference includes zero): keep it running, or stop it as inconclusive.</p>"#
        }
        return html
    }

    /// The start form: an id, placements, and up to four arms.
    private func experimentForm(_ values: [String: String], errors: [String: String], csrf: String) -> String {
        func value(_ name: String) -> String { ConsoleHTML.escape(values[name] ?? "") }
        func error(_ name: String) -> String {
            errors[name].map { #"<span class="error" id="error-\#(name)">\#(ConsoleHTML.escape($0))</span>"# } ?? ""
        }
        var html = """
            <h2>Start an experiment</h2>
            <form method="post" action="/console/experiments" class="edit" novalidate>\(ConsoleHTML.csrfField(csrf))
            <label for="f-exp_id">Experiment id</label><input id="f-exp_id" name="exp_id" value="\(value("exp_id"))">\(error("exp_id"))
            <label for="f-exp_placements">Placements (comma-separated; empty: every placement)</label>\
            <input id="f-exp_placements" name="exp_placements" value="\(value("exp_placements"))">\(error("exp_placements"))
            <p class="muted">Users are split by weight. The first arm is the baseline the others are compared with; leave an arm's \
            settings empty to keep the server's (minimum floor, bid increment, floor multiplier such as 1.2).</p>
            <table class="arms"><thead><tr><th>Arm</th><th>Weight</th><th>Minimum floor</th><th>Increment</th><th>Floor multiplier</th></tr></thead><tbody>
            """
        for index in 0..<Self.formArms {
            html += "<tr>"
            for field in ["name", "weight", "floor", "increment", "multiplier"] {
                let name = "arm\(index)_\(field)"
                html +=
                    #"<td><input id="f-\#(name)" name="\#(name)" value="\#(value(name))" aria-label="arm \#(index + 1) \#(field)">\#(error(name))</td>"#
            }
            html += "</tr>"
        }
        return html + #"</tbody></table><p><button type="submit" id="start-experiment">Start</button></p></form>"#
    }

    func createExperiment(_ request: Request) async throws -> Response {
        let (id, session) = try await requireSession(request)
        try requireAdmin(session)
        let fields = try await requireForm(request, id: id)
        switch Self.experimentJSON(fields) {
        case .failure(let errors): return try await experimentsPage(request, form: fields, errors: errors.fields)
        case .success(let json):
            let experiment: Experiment
            do throws(FieldError) { experiment = try ExperimentDocument.parse(Array(json.utf8)) } catch {
                return try await experimentsPage(request, form: fields, errors: [Self.experimentFormField(error.field): error.message])
            }
            do { _ = try await administration.createExperiment(experiment, by: session.principal) } catch {
                return try await experimentsPage(request, form: fields, errors: ["exp_id": APIError(error).message])
            }
            return Self.redirect("/console/experiments#experiment-\(experiment.id)")
        }
    }

    /// The form as the experiment JSON, or each field's error.
    static func experimentJSON(_ fields: [String: String]) -> Result<String, FormErrors> {
        func text(_ name: String) -> String { (fields[name] ?? "").trimmingCharacters(in: .whitespaces) }
        var errors: [String: String] = [:]
        var out = JSONWriter(capacity: 512)
        out.object { out in
            out.field("id", text("exp_id"))
            out.key("placements")
            out.array { out in
                for placement in text("exp_placements").split(separator: ",") {
                    out.string(placement.trimmingCharacters(in: .whitespaces))
                }
            }
            out.key("arms")
            out.array { out in
                for index in 0..<formArms where !text("arm\(index)_name").isEmpty {
                    out.object { out in
                        out.field("name", text("arm\(index)_name"))
                        guard let weight = Int64(text("arm\(index)_weight")) else {
                            errors["arm\(index)_weight"] = "must be a whole number"
                            return
                        }
                        out.field("weight", weight)
                        for (field, key) in [
                            ("floor", "minimum_floor_micros"), ("increment", "increment_micros"), ("multiplier", "floor_multiplier_ppm"),
                        ] where !text("arm\(index)_\(field)").isEmpty {
                            // Six decimals either way: currency units to micros, a multiplier to parts per million.
                            switch DecimalMoney.parseMicros(text("arm\(index)_\(field)"), maximum: .maximum) {
                            case .success(let micros):
                                out.key(named: key)
                                out.integer(micros.value)
                            case .failure:
                                errors["arm\(index)_\(field)"] = "must be a decimal such as 0.50 (at most six decimals, not negative)"
                            }
                        }
                    }
                }
            }
        }
        return errors.isEmpty ? .success(out.text) : .failure(FormErrors(fields: errors))
    }

    /// A form's errors by field.
    struct FormErrors: Error {
        var fields: [String: String]
    }

    /// The form field an experiment JSON field's error belongs next to.
    static func experimentFormField(_ field: String?) -> String {
        guard let field else { return "exp_id" }
        if field.hasPrefix("placements") { return "exp_placements" }
        if field.hasPrefix("arms["), let index = Int(field.dropFirst(5).prefix { $0 != "]" }) {
            let key = field.split(separator: ".").last.map(String.init) ?? ""
            let name =
                [
                    "minimum_floor_micros": "floor", "increment_micros": "increment", "floor_multiplier_ppm": "multiplier",
                    "weight": "weight",
                ][key] ?? "name"
            return "arm\(min(index, formArms - 1))_\(name)"
        }
        return field.hasPrefix("arms") ? "arm0_name" : "exp_id"
    }
}
