extension Instant {
    /// The canonical UTC form `YYYY-MM-DDTHH:MM:SSZ` (whole seconds), as the store and
    /// exports write it.
    public var rfc3339: String { Self.format(milliseconds: millisecondsSinceEpoch, withFraction: false) }

    /// Writes the canonical form straight into the string's storage: a ledger record
    /// spells its event time once per beacon, to sign it.
    static func format(milliseconds: Int64, withFraction: Bool) -> String {
        let seconds = milliseconds.floorDivided(by: 1000)
        let days = seconds.floorDivided(by: 86_400)
        let secondOfDay = seconds.floorModulo(86_400)
        let (year, month, day) = Self.civil(fromDays: days)
        let fraction = milliseconds.floorModulo(1000)
        guard (0...9999).contains(year) else {
            // Outside four-digit years: the year padded to at least four digits.
            func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
            let yearText = String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year)
            let whole =
                "\(yearText)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60))"
            let millis = String(fraction)
            return whole + (withFraction ? "." + String(repeating: "0", count: 3 - millis.count) + millis : "") + "Z"
        }
        return String(unsafeUninitializedCapacity: withFraction ? 24 : 20) { buffer in
            var position = 0
            func put(_ value: Int64, digits: Int) {
                var rest = value
                for offset in stride(from: digits - 1, through: 0, by: -1) {
                    buffer[position + offset] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                position += digits
            }
            func put(_ byte: Character) {
                buffer[position] = byte.asciiValue!
                position += 1
            }
            put(year, digits: 4)
            put("-")
            put(month, digits: 2)
            put("-")
            put(day, digits: 2)
            put("T")
            put(secondOfDay / 3600, digits: 2)
            put(":")
            put(secondOfDay % 3600 / 60, digits: 2)
            put(":")
            put(secondOfDay % 60, digits: 2)
            if withFraction {
                put(".")
                put(fraction, digits: 3)
            }
            put("Z")
            return position
        }
    }

    /// Parses exactly the canonical form `YYYY-MM-DDTHH:MM:SSZ`; nil for anything else.
    public init?(canonicalRFC3339 text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        let days = Self.days(fromCivil: year, month, day)
        guard Self.civil(fromDays: days) == (year, month, day) else { return nil }  // e.g. 02-30
        self.init(secondsSinceEpoch: days * 86_400 + hour * 3600 + minute * 60 + second)
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDivided(by: 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = z.floorDivided(by: 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Instant {
    /// The canonical UTC form with milliseconds, `YYYY-MM-DDTHH:MM:SS.mmmZ`, as ledger
    /// records carry their event time.
    public var rfc3339Milliseconds: String { Self.format(milliseconds: millisecondsSinceEpoch, withFraction: true) }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SS.mmmZ`; nil for anything else.
    public init?(canonicalRFC3339Milliseconds text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 24, bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z"),
            let whole = Instant(canonicalRFC3339: String(decoding: bytes[0..<19], as: UTF8.self) + "Z"),
            bytes[20..<23].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        let millis = bytes[20..<23].reduce(Int64(0)) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
        self.init(millisecondsSinceEpoch: whole.millisecondsSinceEpoch + millis)
    }
}
