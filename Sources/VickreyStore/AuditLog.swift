import Foundation
import VickreyCore
import VickreyWire

/// Who makes a change, as the audit log names them: an API key's id (a change through
/// the admin API or the console), `cli` (`adctl`, which opens the database itself) or
/// `server` (the server's own writes: the demo campaigns seeded into an empty database).
///
/// The actor of a task is `AuditActor.current`, bound where a change enters (the admin
/// API, the console, `adctl`) with `AuditActor.$current.withValue`; every write the
/// stores make in that task records it, in the same transaction as the change.
public struct AuditActor: Hashable, Sendable, CustomStringConvertible {
    public var name: String

    public init(_ name: String) { self.name = String(name.prefix(64)) }

    public static let cli = AuditActor("cli")
    public static let server = AuditActor("server")

    /// Who changes things in the current task.
    @TaskLocal public static var current: AuditActor = .server

    public var description: String { name }
}

/// What a change did, by kind of thing and verb.
public enum AuditAction: String, Hashable, Sendable, CaseIterable {
    case advertiserCreate = "advertiser.create"
    case campaignCreate = "campaign.create"
    case campaignUpdate = "campaign.update"
    case campaignPause = "campaign.pause"
    case campaignResume = "campaign.resume"
    case campaignArchive = "campaign.archive"
    /// `adctl campaign import`: one entry for the whole file, with its counts.
    case campaignsImport = "campaigns.import"
    case experimentCreate = "experiment.create"
    case experimentStop = "experiment.stop"
    case apiKeyCreate = "api_key.create"
    case apiKeyRevoke = "api_key.revoke"

    /// The action of a campaign saved as `after` over `before`: a change of status alone
    /// is named by it, anything else is an update.
    static func campaignChange(from before: Campaign, to after: Campaign) -> AuditAction {
        var unchanged = after
        unchanged.status = before.status
        guard unchanged == before, before.status != after.status else { return .campaignUpdate }
        switch after.status {
        case .active: return .campaignResume
        case .paused: return .campaignPause
        case .archived: return .campaignArchive
        }
    }
}

/// One entry of the audit log: who did what to which thing, when, with the thing as it
/// was before and after (JSON documents in the API's own shapes; nil where there is no
/// before, as for a creation). Entries are only ever appended, in the transaction of the
/// change they describe, so a change that did not commit has no entry and a committed
/// change always has one.
public struct AuditEntry: Hashable, Sendable {
    /// Increasing as entries are written (newer entries have larger ids).
    public var id: Int64
    public var time: Instant
    public var actor: String
    public var action: AuditAction
    /// The campaign the change concerns, if one (what the log is filtered by).
    public var campaignID: CampaignID?
    /// The thing changed: `campaign cmp-1`, `advertiser acme`, `experiment e1`, `api key 3f…`.
    public var subject: String
    public var before: String?
    public var after: String?

    public init(
        id: Int64, time: Instant, actor: String, action: AuditAction, campaignID: CampaignID?, subject: String, before: String?,
        after: String?
    ) {
        self.id = id
        self.time = time
        self.actor = actor
        self.action = action
        self.campaignID = campaignID
        self.subject = subject
        self.before = before
        self.after = after
    }
}

extension AuditEntry {
    /// The entry as the admin API and `adctl audit list --json` write it: `id`, `time`
    /// (RFC 3339 with milliseconds), `actor`, `action`, `campaign_id`, `subject`, and
    /// `before` and `after` as JSON objects (or null).
    public func write(into out: inout JSONWriter) {
        out.object { out in
            out.field("id", id)
            out.field("time", time.rfc3339Milliseconds)
            out.field("actor", actor)
            out.field("action", action.rawValue)
            out.field("campaign_id", campaignID?.rawValue)
            out.field("subject", subject)
            for (name, document) in [("before", before), ("after", after)] {
                out.key(named: name)
                if let document { out.json(document.utf8) } else { out.null() }
            }
        }
    }
}

/// The audit log, read back newest first (both engines write it inside their own
/// change transactions).
public protocol AuditStore: Sendable {
    /// Up to `limit` entries older than entry `before` (nil: the newest), newest first,
    /// of `campaign` when given.
    func entries(campaign: CampaignID?, before: Int64?, limit: Int) async throws(StoreError) -> [AuditEntry]
}

/// An entry about to be written by a store, in its change's transaction (the actor is
/// read from the task before the transaction, and written beside it).
struct AuditChange: Sendable {
    var action: AuditAction
    var campaignID: CampaignID?
    var subject: String
    var before: String?
    var after: String?

    /// The wall clock's time of the change, in milliseconds.
    static func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    static func campaign(_ action: AuditAction, before: Campaign?, after: Campaign?) -> AuditChange {
        let id = (after ?? before)?.id
        return AuditChange(
            action: action, campaignID: id, subject: "campaign \(id?.rawValue ?? "")", before: before.flatMap(Self.json),
            after: after.flatMap(Self.json))
    }

    static func advertiser(_ advertiser: Advertiser) -> AuditChange {
        AuditChange(
            action: .advertiserCreate, campaignID: nil, subject: "advertiser \(advertiser.id)", before: nil,
            after: object(["id": advertiser.id.rawValue, "name": advertiser.name]))
    }

    static func imported(_ summary: ImportSummary) -> AuditChange {
        AuditChange(
            action: .campaignsImport, campaignID: nil, subject: "campaigns", before: nil,
            after: object([
                "created": summary.created, "updated": summary.updated, "advertisers_created": summary.advertisersCreated,
            ]))
    }

    static func experimentCreated(_ experiment: Experiment) -> AuditChange {
        AuditChange(
            action: .experimentCreate, campaignID: nil, subject: "experiment \(experiment.id)", before: nil,
            after: ExperimentDocument.json(experiment))
    }

    static func experimentStopped(_ id: ExperimentID) -> AuditChange {
        AuditChange(
            action: .experimentStop, campaignID: nil, subject: "experiment \(id)", before: object(["status": "running"]),
            after: object(["status": "stopped"]))
    }

    static func apiKey(_ action: AuditAction, _ record: APIKeyRecord) -> AuditChange {
        var fields: [String: Any] = ["id": record.id, "role": record.role.rawValue, "label": record.label, "revoked": false]
        if let advertiser = record.advertiserID { fields["advertiser_id"] = advertiser.rawValue }
        let before = action == .apiKeyRevoke ? object(fields) : nil
        fields["revoked"] = action == .apiKeyRevoke
        return AuditChange(action: action, campaignID: nil, subject: "api key \(record.id)", before: before, after: object(fields))
    }

    /// The campaign as `adctl campaign export` writes it.
    static func json(_ campaign: Campaign) -> String? {
        (try? CampaignDocument.json(campaign)).map { String(decoding: $0, as: UTF8.self) }
    }

    static func object(_ fields: [String: Any]) -> String? {
        (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) }
    }
}
