/// The error body every 4xx and 5xx carries:
/// `{"error": {"code": "…", "message": "…", "field": "…" | null}}`.
public enum ErrorBody {
    public static func write(code: String, message: String, field: String?) -> [UInt8] {
        var w = JSONWriter(capacity: 128)
        w.beginObject()
        w.key("error")
        w.beginObject()
        w.field("code", code)
        w.field("message", message)
        w.field("field", field)
        w.endObject()
        w.endObject()
        return w.bytes
    }
}
