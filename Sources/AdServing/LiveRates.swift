import Foundation
import Synchronization
import VickreyCore
import VickreyWire

/// The exchange rates the OpenRTB endpoint converts with: read from `currency.ratesPath`
/// at start and again whenever the file changes (checked every second), so `adctl rates
/// import` reaches a running server within a second. A file that does not read keeps the
/// rates already loaded (and says why in the log).
public final class LiveRates: Sendable {
    let path: String?
    let maximumAgeSeconds: Int64
    private let state = Mutex<(rates: ExchangeRates?, modified: Date?)>((nil, nil))

    public init(path: String?, maximumAgeSeconds: Int64) {
        self.path = path
        self.maximumAgeSeconds = maximumAgeSeconds
    }

    public var rates: ExchangeRates? { state.withLock { $0.rates } }

    /// Reads the file when it changed since the last read; returns a problem to log, if any.
    @discardableResult
    public func reloadIfChanged() -> String? {
        guard let path else { return nil }
        let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        guard let modified else {
            return state.withLock { $0.rates } == nil ? nil : "the rates file \(path) is gone; keeping the rates loaded"
        }
        guard state.withLock({ $0.modified }) != modified else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { return "cannot read \(path)" }
        do throws(FieldError) {
            let rates = try ExchangeRatesDocument.parse(Array(data))
            state.withLock { $0 = (rates, modified) }
            return nil
        } catch {
            state.withLock { $0.modified = modified }
            return "the rates file \(path) does not read (\(error)); keeping the rates loaded"
        }
    }

    /// Usable rates at `now`: loaded and not older than `currency.maxAgeHours`.
    public func fresh(at now: Instant) -> ExchangeRates? {
        guard let rates, !rates.isStale(at: now, maximumAgeSeconds: maximumAgeSeconds) else { return nil }
        return rates
    }
}
