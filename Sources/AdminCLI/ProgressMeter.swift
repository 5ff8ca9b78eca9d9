import Foundation

/// How far a long command has gone, on standard error (standard output stays the
/// command's answer). On a terminal: one line redrawn at most five times a second — a bar
/// when the total is known, the count, the rate and the time left. Otherwise (a pipe, a log,
/// a test's captured console): a plain line every `plainInterval`, so logs stay readable.
/// Nothing is shown before the first `quietStart`: a quick command prints only its answer.
struct ProgressMeter {
    let label: String
    /// What `count` counts ("campaigns", "records").
    let unit: String
    /// The work in all, when known (a file's bytes, a ledger's records), for the bar and the
    /// time left; `update`'s `done` is in the same unit.
    let total: Int64?
    let onTerminal: Bool
    var quietStart: Duration = .seconds(1)
    var plainInterval: Duration = .seconds(5)
    private let clock = ContinuousClock()
    private let started: ContinuousClock.Instant
    private var lastShown: ContinuousClock.Instant?
    private var drewLine = false

    init(label: String, unit: String, total: Int64?, onTerminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.unit = unit
        self.total = total
        self.onTerminal = onTerminal
        started = clock.now
    }

    /// Notes progress: `count` items done, `done` of the total (bytes read, say).
    mutating func update(count: Int, done: Int64) {
        let now = clock.now
        let elapsed = now - started
        guard elapsed >= quietStart else { return }
        let interval = onTerminal ? Duration.milliseconds(200) : plainInterval
        if let lastShown, now - lastShown < interval { return }
        lastShown = now
        let line = Self.describe(label: label, unit: unit, count: count, done: done, total: total, elapsed: elapsed)
        if onTerminal {
            Console.current.writeError("\r\u{1B}[K" + line)
            drewLine = true
        } else {
            Console.error(line)
        }
    }

    /// Clears the terminal line, if one was drawn, before the command prints its answer.
    mutating func finish() {
        if drewLine { Console.current.writeError("\r\u{1B}[K") }
        drewLine = false
    }

    /// "import: [#########...........] 45% 450,000 campaigns, 12,345/s, 44 s left".
    static func describe(label: String, unit: String, count: Int, done: Int64, total: Int64?, elapsed: Duration) -> String {
        let seconds = max(0.001, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        let rate = Int((Double(count) / seconds).rounded())
        var parts = ["\(label):"]
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let filled = Int((fraction * 20).rounded(.down))
            parts.append("[" + String(repeating: "#", count: filled) + String(repeating: ".", count: 20 - filled) + "]")
            parts.append("\(Int((fraction * 100).rounded(.down)))%")
            parts.append("\(grouped(count)) \(unit), \(grouped(rate))/s")
            if fraction > 0 { parts[parts.count - 1] += ", " + duration(seconds * (1 - fraction) / fraction) + " left" }
        } else {
            parts.append("\(grouped(count)) \(unit), \(grouped(rate))/s")
        }
        return parts.joined(separator: " ")
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        return whole < 60
            ? "\(whole) s" : whole < 3_600 ? "\(whole / 60) min \(whole % 60) s" : "\(whole / 3_600) h \(whole % 3_600 / 60) min"
    }
}
