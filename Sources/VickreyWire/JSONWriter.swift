/// Writes JSON bytes directly: every JSON Vickrey writes by hand goes through it (the
/// ad responses on the hot path, the ledger's JSON lines, the admin API, `adctl --json`
/// outputs), so escaping and number formats are decided once, here.
///
/// The caller lays out the structure with `beginObject`/`endObject`,
/// `beginArray`/`endArray` and `key`, and the writer puts the commas: a key or a value
/// that follows another member gets one, the first after an opening bracket does not.
/// Strings are escaped exactly as `docs/ledger.md` states: `"` and `\` with a backslash,
/// line feed, carriage return and tab as `\n`, `\r`, `\t`, the other characters below
/// U+0020 as `\u00XX` (lowercase hex); everything else (DEL, U+0080–U+009F, U+2028, …)
/// is written as its UTF-8 bytes.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Whether the next key or value follows a member (and so needs a comma).
    private var afterMember = false

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    /// The JSON written so far, as text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    // MARK: Structure

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        afterMember = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        afterMember = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        afterMember = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        afterMember = true
    }

    /// `{ … }` around what `body` writes.
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        beginObject()
        body(&self)
        endObject()
    }

    /// `[ … ]` around what `body` writes.
    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        beginArray()
        body(&self)
        endArray()
    }

    /// Appends `"key":` (a key the code spells).
    public mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        afterMember = false
    }

    /// Appends `"key":` for a key known only at run time (written escaped).
    public mutating func key(named key: String) {
        separate()
        appendString(key)
        bytes.append(UInt8(ascii: ":"))
        afterMember = false
    }

    // MARK: Values

    /// A JSON string, escaping quotes, backslashes and control characters. Runs that
    /// need no escaping (almost all text) are copied whole.
    public mutating func string(_ value: String) {
        separate()
        appendString(value)
        afterMember = true
    }

    public mutating func optionalString(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    public mutating func integer(_ value: Int64) { literal(String(value)) }

    public mutating func integer(_ value: Int) { literal(String(value)) }

    public mutating func optionalInteger(_ value: Int64?) {
        if let value { integer(value) } else { null() }
    }

    public mutating func bool(_ value: Bool) { literal(value ? "true" : "false") }

    public mutating func null() { literal("null") }

    /// An amount of micros as a decimal number of currency units (`910000` → `0.91`).
    public mutating func currency(_ micros: Int64) {
        var text = DecimalText.micros(micros)
        if text.hasSuffix(".00") { text.removeLast(3) }
        literal(text)
    }

    /// A number already spelt as JSON (a decimal the caller formatted exactly).
    public mutating func number(_ text: String) { literal(text) }

    /// `["a","b"]`.
    public mutating func stringArray(_ values: [String]) {
        array { out in
            for value in values { out.string(value) }
        }
    }

    /// A value that is already JSON (a document another writer produced), inserted as it is.
    public mutating func json(_ encoded: some Sequence<UInt8>) {
        separate()
        bytes.append(contentsOf: encoded)
        afterMember = true
    }

    // MARK: Keyed shorthands

    public mutating func field(_ key: StaticString, _ value: String) {
        self.key(key)
        string(value)
    }

    public mutating func field(_ key: StaticString, _ value: String?) {
        self.key(key)
        optionalString(value)
    }

    public mutating func field(_ key: StaticString, _ value: Int64) {
        self.key(key)
        integer(value)
    }

    public mutating func field(_ key: StaticString, _ value: Int) {
        self.key(key)
        integer(value)
    }

    public mutating func field(_ key: StaticString, _ value: Int64?) {
        self.key(key)
        optionalInteger(value)
    }

    public mutating func field(_ key: StaticString, _ value: Bool) {
        self.key(key)
        bool(value)
    }

    // MARK: Bytes

    private mutating func separate() {
        if afterMember { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func literal(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
        afterMember = true
    }

    private mutating func appendString(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                appendEscaped(byte)
                runStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            let hex = Self.hexDigits
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
