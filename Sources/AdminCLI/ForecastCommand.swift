import ArgumentParser
import Foundation
import VickreyCore
import VickreyStore
import VickreyWire
import VickreyYield

/// `adctl forecast LINE_ITEM.json` and `adctl forecast --backtest`.
struct ForecastCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Forecast a proposed line item's availability, or backtest the forecast on the last full week.",
        discussion: """
            Reads the request sample the server keeps (requestSample.*) and the booked sponsorships and standard \
            line items of the database, and simulates their delivery rules over the traffic the sample projects \
            into the window: matched requests, what the proposed item can have, who takes the rest, a 95% \
            interval and warnings. docs/forecasting.md states the model.
            Examples:
              adctl forecast line-item.json --from 2026-12-01T00:00:00Z --to 2026-12-31T00:00:00Z
              adctl forecast line-item.json --json
              adctl forecast --backtest --weeks 4
            """)

    @Argument(help: "The proposed line item as campaign JSON (a file, or - for standard input).") var file: String?
    @Option(help: "Window start (RFC 3339; default: the item's start, else now).") var from: String?
    @Option(help: "Window end (RFC 3339; default: the item's end, else a week after the start).") var to: String?
    @Option(help: "Whole weeks of history the model averages.") var weeks: Int = 4
    @Flag(help: "Forecast the sample's last full week from the weeks before it and report the error.") var backtest = false
    @Option(help: "The request sample (default: request-sample.jsonl beside the database).") var sample: String?
    @Option(help: "The sample's rate, as the server's requestSample.sampleRate.") var sampleRate: Double = 0.0001
    @OptionGroup var output: OutputOptions
    @OptionGroup var store: StoreOptions

    func run() async throws {
        guard (1...52).contains(weeks) else { throw CommandFailure.usage("--weeks must be from 1 to 52") }
        guard sampleRate > 0, sampleRate <= 1 else { throw CommandFailure.usage("--sample-rate must be above 0 and at most 1") }
        let rate = Int64((sampleRate * 1_000_000).rounded())
        let path = try await samplePath()
        let (requests, _) = try RequestSample.read(path: path)
        guard !requests.isEmpty else {
            throw CommandFailure(
                message: "no sampled requests in '\(path)' (the server keeps them at requestSample.path)", exitCode: CommandFailure.notFound
            )
        }
        let booked = try await store.call { db in try await db.campaigns.campaigns(advertiser: nil, status: .active) }
            .filter { $0.lineItem.delivery.isGuaranteed }
        if backtest {
            guard file == nil else { throw CommandFailure.usage("--backtest takes no line item") }
            guard let result = Forecaster.backtest(booked: booked, sample: requests, sampleRatePPM: rate, weeks: weeks) else {
                throw CommandFailure(message: "the sample holds no full week before its last one", exitCode: CommandFailure.notFound)
            }
            Console.print(output.json ? ForecastText.json(result) : ForecastText.text(result))
            return
        }
        let proposed = try readProposed()
        let start = try instant(from, "--from") ?? proposed.start ?? Self.now()
        let end = try instant(to, "--to") ?? proposed.end ?? start.adding(seconds: 7 * 86_400)
        guard end > start else { throw CommandFailure.usage("--to must be after --from") }
        let question = ForecastQuestion(
            proposed: proposed, booked: booked.filter { $0.id != proposed.id }, from: start, to: end, sampleRatePPM: rate, weeks: weeks)
        let forecast = Forecaster.forecast(question, sample: requests)
        Console.print(output.json ? ForecastText.json(forecast, question) : ForecastText.text(forecast, question))
    }

    private func samplePath() async throws -> String {
        if let sample { return sample }
        let database = try await store.databasePath()
        return RequestSample.defaultPath(beside: database)
    }

    private func readProposed() throws -> Campaign {
        guard let file else { throw CommandFailure.usage("name the proposed line item's campaign JSON file (or use --backtest)") }
        switch CampaignDocument.parseCampaign(try InputFile.read(file)) {
        case .success(let campaign): return campaign
        case .failure(let error): throw CommandFailure(message: "\(file): \(error.description)", exitCode: CommandFailure.invalidData)
        }
    }

    private func instant(_ text: String?, _ option: String) throws -> Instant? {
        guard let text else { return nil }
        guard let instant = RFC3339.parse(text) else { throw CommandFailure.usage("\(option): '\(text)' is not an RFC 3339 time") }
        return instant
    }

    static func now() -> Instant { Instant(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)) }
}

/// A forecast and a backtest for a terminal or as JSON.
enum ForecastText {
    static func text(_ forecast: Forecast, _ question: ForecastQuestion) -> String {
        var lines = [
            "forecast for \(question.proposed.id) (\(question.proposed.lineItem.delivery.name)), \(question.from.rfc3339) → \(question.to.rfc3339)",
            "model: \(forecast.historyWeeks) week(s) of sampled requests, \(forecast.projectedSamples) projected into the window",
            "matched:    \(forecast.matched) requests",
            "available:  \(forecast.available) (95%: \(forecast.low) – \(forecast.high))",
        ]
        if let goal = question.proposed.lineItem.goal { lines.append("goal:       \(goal)") }
        if !forecast.contenders.isEmpty {
            lines.append("booked line items taking requests it matches:")
            for contender in forecast.contenders { lines.append("  \(contender.campaignID) (\(contender.type)): \(contender.takes)") }
        }
        for warning in forecast.warnings { lines.append("warning: \(warning)") }
        return lines.joined(separator: "\n")
    }

    static func json(_ forecast: Forecast, _ question: ForecastQuestion) -> String {
        var out = JSONWriter()
        ForecastJSON.write(forecast, question, into: &out)
        return out.text
    }

    static func text(_ backtest: Backtest) -> String {
        func percent(_ ppm: Int64) -> String { "\(ppm / 10_000).\(ppm / 1_000 % 10)%" }
        var lines = [
            "backtest of \(backtest.weekStart.rfc3339) → \(backtest.weekEnd.rfc3339) from \(backtest.historyWeeks) week(s) before it",
            "all requests: forecast \(backtest.overall.forecast), actual \(backtest.overall.actual), error \(percent(backtest.overall.errorPPM))",
            "segments (country/device, at least 1% of the week):",
        ]
        for segment in backtest.segments {
            lines.append(
                "  \(segment.name) (\(percent(segment.sharePPM))): forecast \(segment.requests.forecast), actual \(segment.requests.actual), error \(percent(segment.requests.errorPPM))"
            )
        }
        if !backtest.lineItems.isEmpty { lines.append("booked line items (matched; delivered):") }
        for item in backtest.lineItems {
            lines.append(
                "  \(item.campaignID): matched \(item.matched.forecast) / \(item.matched.actual) (error \(percent(item.matched.errorPPM))); delivered \(item.delivered.forecast) / \(item.delivered.actual) (error \(percent(item.delivered.errorPPM)))"
            )
        }
        lines.append("worst segment error: \(percent(backtest.worstSegmentErrorPPM))")
        return lines.joined(separator: "\n")
    }

    static func json(_ backtest: Backtest) -> String {
        var out = JSONWriter()
        func comparison(_ key: StaticString, _ value: Backtest.Comparison, _ out: inout JSONWriter) {
            out.key(key)
            out.object { out in
                out.field("forecast", value.forecast)
                out.field("actual", value.actual)
                out.field("error_ppm", value.errorPPM)
            }
        }
        out.object { out in
            out.field("week_start", backtest.weekStart.rfc3339)
            out.field("week_end", backtest.weekEnd.rfc3339)
            out.field("history_weeks", backtest.historyWeeks)
            comparison("overall", backtest.overall, &out)
            out.key("segments")
            out.array { out in
                for segment in backtest.segments {
                    out.object { out in
                        out.field("name", segment.name)
                        out.field("share_ppm", segment.sharePPM)
                        comparison("requests", segment.requests, &out)
                    }
                }
            }
            out.key("line_items")
            out.array { out in
                for item in backtest.lineItems {
                    out.object { out in
                        out.field("campaign_id", item.campaignID.rawValue)
                        comparison("matched", item.matched, &out)
                        comparison("delivered", item.delivered, &out)
                    }
                }
            }
        }
        return out.text
    }
}
