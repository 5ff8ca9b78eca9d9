/// A small SVG line chart (one series, integer data), for reports the README embeds:
/// replay revenue against the minimum floor, say. Coordinates are pixels; the data
/// stay integers and are printed as such on the axes.
public struct LineChart: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var points: [(x: Int64, y: Int64)]
    /// A point drawn apart (the logged parameters' result), if any.
    public var marker: (x: Int64, y: Int64, label: String)?
    /// How axis values are written (default: the integer).
    public var xFormat: @Sendable (Int64) -> String = { String($0) }
    public var yFormat: @Sendable (Int64) -> String = { String($0) }

    public init(
        title: String, xLabel: String, yLabel: String, points: [(x: Int64, y: Int64)], marker: (x: Int64, y: Int64, label: String)? = nil
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.points = points
        self.marker = marker
    }

    public var svg: String {
        let width = 720.0
        let height = 420.0
        let left = 100.0
        let right = 30.0
        let top = 40.0
        let bottom = 60.0
        let xs = points.map(\.x) + (marker.map { [$0.x] } ?? [])
        let ys = points.map(\.y) + (marker.map { [$0.y] } ?? []) + [0]
        let minX = xs.min() ?? 0
        let maxX = max(xs.max() ?? 1, minX + 1)
        let maxY = max(ys.max() ?? 1, 1)
        func px(_ x: Int64) -> Double { left + Double(x - minX) / Double(maxX - minX) * (width - left - right) }
        func py(_ y: Int64) -> Double { height - bottom - Double(y) / Double(maxY) * (height - top - bottom) }
        func f(_ value: Double) -> String {
            String(Int((value * 10).rounded())) == "" ? "0" : "\(Double(Int((value * 10).rounded())) / 10)"
        }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="22" text-anchor="middle" font-size="15">\(Self.escape(title))</text>
            <line x1="\(f(left))" y1="\(f(height - bottom))" x2="\(f(width - right))" y2="\(f(height - bottom))" stroke="black"/>
            <line x1="\(f(left))" y1="\(f(top))" x2="\(f(left))" y2="\(f(height - bottom))" stroke="black"/>

            """
        for step in 0...4 {
            let y = maxY * Int64(step) / 4
            let x = minX + (maxX - minX) * Int64(step) / 4
            svg += """
                <line x1="\(f(left))" y1="\(f(py(y)))" x2="\(f(width - right))" y2="\(f(py(y)))" stroke="#ddd"/>
                <text x="\(f(left - 6))" y="\(f(py(y) + 4))" text-anchor="end">\(Self.escape(yFormat(y)))</text>
                <text x="\(f(px(x)))" y="\(f(height - bottom + 18))" text-anchor="middle">\(Self.escape(xFormat(x)))</text>

                """
        }
        svg += """
            <text x="\(f((left + width - right) / 2))" y="\(f(height - 15))" text-anchor="middle">\(Self.escape(xLabel))</text>
            <text x="18" y="\(f((top + height - bottom) / 2))" text-anchor="middle" transform="rotate(-90 18 \(f((top + height - bottom) / 2)))">\(Self.escape(yLabel))</text>
            <polyline fill="none" stroke="#1f6fb2" stroke-width="2" points="\(points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " "))"/>

            """
        for point in points { svg += "<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"3\" fill=\"#1f6fb2\"/>\n" }
        if let marker {
            svg += """
                <circle cx="\(f(px(marker.x)))" cy="\(f(py(marker.y)))" r="6" fill="none" stroke="#c0392b" stroke-width="2"/>
                <text x="\(f(px(marker.x) + 9))" y="\(f(py(marker.y) - 9))" fill="#c0392b">\(Self.escape(marker.label))</text>

                """
        }
        return svg + "</svg>\n"
    }

    private static func escape(_ text: String) -> String {
        text.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
    }
}
