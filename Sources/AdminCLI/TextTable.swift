/// Left-aligned columns separated by two spaces, with a header row; every cell made
/// safe for a terminal (`TerminalText`).
struct TextTable {
    var headers: [String]
    var rows: [[String]] = []

    func render() -> String {
        let rows = rows.map { $0.map { TerminalText.safe($0) } }
        var widths = headers.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() where column < widths.count { widths[column] = max(widths[column], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (column, cell) in cells.enumerated() {
                let isLast = column == cells.count - 1
                text += isLast ? cell : cell + String(repeating: " ", count: widths[column] - cell.count + 2)
            }
            return text
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }
}

/// `key  value` lines for one record, every value made safe for a terminal.
func keyValueLines(_ pairs: [(String, String)]) -> String {
    let width = pairs.map(\.0.count).max() ?? 0
    return pairs.map { $0.0 + String(repeating: " ", count: width - $0.0.count + 2) + TerminalText.safe($0.1) }.joined(separator: "\n")
}
