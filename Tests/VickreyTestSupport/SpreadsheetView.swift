/// What a spreadsheet does with a CSV row: splits it into cells (RFC 4180 quoting) and
/// runs any cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return.
public enum SpreadsheetView {
    public static func cells(_ row: String) -> [String] {
        var cells: [String] = []
        var cell = ""
        var quoted = false
        var characters = Array(row)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        cell.append("\"")
                        characters.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    cell.append(character)
                }
            } else if character == "," {
                cells.append(cell)
                cell = ""
            } else if character == "\"" {
                quoted = true
            } else {
                cell.append(character)
            }
        }
        cells.append(cell)
        return cells
    }

    public static func runsAFormula(_ row: String) -> Bool {
        cells(row).contains { cell in cell.first.map { "=+-@\t\r".contains($0) } ?? false }
    }
}
