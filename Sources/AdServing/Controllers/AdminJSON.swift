import HTTPTypes
import Hummingbird
import VickreyCore
import VickreyStore
import VickreyWire
import VickreyYield

/// The admin API's JSON shapes that are not the campaign, experiment or report JSON,
/// written with the one `JSONWriter` idiom, and its one body reader (advertisers).
enum AdminJSON {
    /// Runs `body` on a fresh writer; returns the bytes.
    static func write(_ body: (inout JSONWriter) throws -> Void) rethrows -> [UInt8] {
        var out = JSONWriter()
        try body(&out)
        return out.bytes
    }

    static func response(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response { JSONResponse.bytes(bytes, status: status) }

    static func advertiser(_ advertiser: Advertiser, into out: inout JSONWriter) {
        out.object { out in
            out.field("id", advertiser.id.rawValue)
            out.field("name", advertiser.name)
        }
    }

    /// `{"id": "...", "name": "..."}`, validated as `adctl advertiser create` validates it.
    static func parseAdvertiser(_ body: [UInt8]) throws -> Advertiser {
        var reader = JSONReader(body)
        var id: String?
        var name: String?
        do throws(FieldError) {
            try reader.readObject { reader, key throws(FieldError) in
                switch key {
                case "id": id = try reader.readString(maximumBytes: 256)
                case "name": name = try reader.readString(maximumBytes: 4_096)
                default: throw reader.fieldError("is not an advertiser field")
                }
            }
            try reader.expectEnd()
        } catch { throw APIError.invalid(error) }
        guard let id else { throw APIError(code: .invalidRequest, message: "missing", field: "id") }
        guard let advertiserID = AdvertiserID(id) else {
            throw APIError(code: .invalidRequest, message: IdentifierErrorText.describe(id), field: "id")
        }
        return Advertiser(id: advertiserID, name: name ?? id)
    }

    /// `{"NAME": [items…], "next_after": cursor | null}`: one page of a list.
    static func page<Item>(_ name: StaticString, _ page: Page<Item>, item: (Item, inout JSONWriter) throws -> Void) rethrows -> [UInt8] {
        try write { out in
            out.beginObject()
            out.key(name)
            out.beginArray()
            for element in page.items { try item(element, &out) }
            out.endArray()
            out.field("next_after", page.next)
            out.endObject()
        }
    }

    /// The experiment JSON with when it was created and stopped.
    static func experiment(_ stored: StoredExperiment, into out: inout JSONWriter) {
        ExperimentDocument.write(stored.experiment, into: &out) { out in
            out.field("created_at", stored.createdAt.rfc3339)
            out.field("stopped_at", stored.stoppedAt?.rfc3339)
        }
    }

    /// A page of the audit log: the entries, newest first, and the id to ask `before` for
    /// the next page (null on the last).
    static func auditPage(_ entries: [AuditEntry], hasMore: Bool) -> [UInt8] {
        write { out in
            out.object { out in
                out.key("entries")
                out.array { out in
                    for entry in entries { entry.write(into: &out) }
                }
                out.field("next_before", hasMore ? entries.last?.id : nil)
            }
        }
    }

    static func hourly(_ campaign: CampaignID, _ rows: [HourlyDelivery]) -> [UInt8] {
        write { out in
            out.object { out in
                out.field("campaign_id", campaign.rawValue)
                out.key("hours")
                out.array { out in
                    for row in rows {
                        out.object { out in
                            out.field("hour", row.hour.rfc3339)
                            out.field("impressions", row.impressions)
                            out.field("clicks", row.clicks)
                            out.field("spend_nanos", row.spend.value)
                        }
                    }
                }
            }
        }
    }
}

/// One page of a list ordered by id: at most `limit` items after the cursor `after`, and
/// the cursor of the next page (nil on the last).
struct Page<Item> {
    var items: [Item]
    var next: String?

    init(_ all: [Item], limit: Int, after: String?, id: (Item) -> String) {
        let remaining = after.map { cursor in all.filter { id($0) > cursor } } ?? all
        items = Array(remaining.prefix(limit))
        next = remaining.count > limit ? items.last.map(id) : nil
    }
}

/// What an invalid id is told, as everywhere else.
enum IdentifierErrorText {
    static func describe(_ text: String) -> String {
        do throws(IdentifierError) {
            _ = try AdvertiserID(validating: text)
            return "not a valid id"
        } catch { return error.description }
    }
}
