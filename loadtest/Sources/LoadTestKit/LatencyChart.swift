import Foundation
import Histogram

/// An SVG chart of ad-request latency over the run: p50, p99 and max per second, on a
/// logarithmic axis, so stalls and their recovery are visible at a glance.
public enum LatencyChart {
    public static func svg(perSecond: [Histogram<UInt64>], title: String) -> String {
        let width = 900.0, height = 420.0, left = 70.0, right = 20.0, top = 40.0, bottom = 50.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let series: [(name: String, color: String, values: [Double])] = [
            ("p50", "#2b7bb9", perSecond.map { Double($0.valueAtPercentile(50)) / 1000 }),
            ("p99", "#e08214", perSecond.map { Double($0.valueAtPercentile(99)) / 1000 }),
            ("max", "#c0392b", perSecond.map { Double($0.max) / 1000 }),
        ]
        let all = series.flatMap(\.values).filter { $0 > 0 }
        let lowest = max(0.01, (all.min() ?? 0.1))
        let highest = max(lowest * 10, all.max() ?? 1)
        let logLow = log10(lowest).rounded(.down), logHigh = log10(highest).rounded(.up)
        func y(_ ms: Double) -> Double {
            let value = log10(max(ms, pow(10, logLow)))
            return top + plotHeight * (1 - (value - logLow) / max(1, logHigh - logLow))
        }
        let seconds = max(1, perSecond.count - 1)
        func x(_ second: Int) -> Double { left + plotWidth * Double(second) / Double(seconds) }
        var svg =
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(width))" height="\#(Int(height))" font-family="sans-serif" font-size="12">"#
        svg += #"<rect width="100%" height="100%" fill="white"/>"#
        svg += #"<text x="\#(left)" y="22" font-size="15">\#(escape(title))</text>"#
        var decade = logLow
        while decade <= logHigh {
            let ms = pow(10, decade)
            let yy = y(ms)
            svg += #"<line x1="\#(left)" x2="\#(width - right)" y1="\#(yy)" y2="\#(yy)" stroke="gainsboro"/>"#
            svg += #"<text x="\#(left - 6)" y="\#(yy + 4)" text-anchor="end">\#(label(ms)) ms</text>"#
            decade += 1
        }
        let step = max(1, seconds / 10)
        for second in stride(from: 0, through: seconds, by: step) {
            svg += #"<text x="\#(x(second))" y="\#(height - bottom + 18)" text-anchor="middle">\#(second)s</text>"#
        }
        svg +=
            #"<text x="\#(left + plotWidth / 2)" y="\#(height - 10)" text-anchor="middle">seconds since start (latency from intended send time)</text>"#
        for (index, line) in series.enumerated() {
            let points = line.values.enumerated().map { "\(x($0.offset)),\(y($0.element))" }.joined(separator: " ")
            svg += #"<polyline fill="none" stroke="\#(line.color)" stroke-width="1.8" points="\#(points)"/>"#
            svg += #"<text x="\#(width - right - 150 + Double(index) * 50)" y="22" fill="\#(line.color)">\#(line.name)</text>"#
        }
        return svg + "</svg>\n"
    }

    static func label(_ ms: Double) -> String { ms >= 1 ? String(Int(ms)) : String(ms) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;")
    }
}
