import ArgumentParser
import Foundation
import VickreyConfig
import VickreyCore
import VickreyWire

/// `adctl rates show|import`: the exchange-rates file the OpenRTB endpoint converts with.
struct RatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rates",
        abstract: "Show or replace the exchange rates (currency.ratesPath) that OpenRTB floors and answers convert with.",
        discussion: """
            The file is JSON: {"base": "USD", "timestamp": "2026-12-01T00:00:00Z", "rates": {"EUR": 0.9216, "GBP": "0.7874"}}, \
            units of each currency per unit of base. A running server re-reads it within a second; rates older than \
            currency.maxAgeHours are not used (a request that needs them gets no bid).
            Examples:
              adctl rates import ecb-2026-12-01.json
              adctl rates show --json
            """,
        subcommands: [Show.self, Import.self]
    )

    struct Location: ParsableArguments {
        @Option(name: .customLong("rates"), help: "The rates file (default: currency.ratesPath from the configuration).")
        var path: String?

        func resolved() async throws -> String {
            if let path { return path }
            guard let configured = try await Configured.settings().currencyRatesPath else {
                throw CommandFailure.usage("no rates file: set currency.ratesPath (CURRENCY_RATES_PATH) or pass --rates PATH")
            }
            return configured
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The rates in use, their age and base.")
        @OptionGroup var location: Location
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let path = try await location.resolved()
            let rates = try read(path)
            if output.json { return Console.print(ExchangeRatesDocument.json(rates)) }
            let age = (wallClockNow().secondsSinceEpoch - rates.timestamp.secondsSinceEpoch) / 60
            var table = TextTable(headers: ["CURRENCY", "PER 1 \(rates.base)"])
            for (currency, rate) in rates.rates.sorted(by: { $0.key < $1.key }) {
                table.rows.append([currency, ExchangeRatesDocument.text(rate)])
            }
            Console.print(
                "\(path): base \(rates.base), taken \(rates.timestamp.rfc3339) (\(age / 60) h \(age % 60) min ago)\n" + table.render())
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a rates file and make it the one in use (atomically).")
        @Argument(help: "The new rates file.") var file: String
        @OptionGroup var location: Location

        func run() async throws {
            let path = try await location.resolved()
            let rates = try read(file)
            do {
                try Data(ExchangeRatesDocument.json(rates).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw CommandFailure(message: "cannot write \(path): \(error)", exitCode: CommandFailure.refused)
            }
            Console.print("imported \(rates.rates.count) rates against \(rates.base), taken \(rates.timestamp.rfc3339), into \(path)")
        }
    }
}

private func read(_ path: String) throws -> ExchangeRates {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CommandFailure(message: "cannot read \(path)", exitCode: CommandFailure.notFound)
    }
    do throws(FieldError) { return try ExchangeRatesDocument.parse(Array(data)) } catch {
        throw CommandFailure(message: "\(path): \(error)", exitCode: CommandFailure.invalidData)
    }
}
