import Foundation
import Hummingbird
import VickreyBudget
import VickreyCore
import VickreyStore
import VickreyWire
import VickreyYield

extension AdminController {
    /// Experiments: admin keys only (an advertiser or billing key gets 403).
    func addExperimentRoutes(to router: Router<VickreyRequestContext>) {
        router.get("/v1/admin/experiments") { request, context in
            try await admin(request, context)
            let all = try await storeCall { try await store.experiments.experiments() }
            return JSONResponse.bytes(Array(("[" + all.map { AdminJSON.experiment($0) }.joined(separator: ",") + "]").utf8))
        }
        router.post("/v1/admin/experiments") { request, context in
            try await admin(request, context)
            let body = try await readBody(request, limit: maximumBodyBytes)
            let experiment: Experiment
            do throws(FieldError) { experiment = try ExperimentDocument.parse(body) } catch { throw APIError.invalid(error) }
            let now = clock.now()
            try await storeCall { try await store.experiments.create(experiment, at: now) }
            return JSONResponse.bytes(
                Array(AdminJSON.experiment(StoredExperiment(experiment: experiment, createdAt: now, stoppedAt: nil)).utf8), status: .created
            )
        }
        router.get("/v1/admin/experiments/:id") { request, context in
            try await admin(request, context)
            return JSONResponse.bytes(Array(AdminJSON.experiment(try await experiment(context)).utf8))
        }
        router.post("/v1/admin/experiments/:id/stop") { request, context in
            try await admin(request, context)
            let stored = try await experiment(context)
            try await storeCall { try await store.experiments.stop(stored.experiment.id, at: clock.now()) }
            return JSONResponse.bytes(Array(AdminJSON.experiment(try await experiment(context)).utf8))
        }
        router.get("/v1/admin/experiments/:id/report") { request, context in
            try await admin(request, context)
            return JSONResponse.bytes(Array(try await experimentReport(try experimentID(context)).json.utf8))
        }
    }

    private func admin(_ request: Request, _ context: VickreyRequestContext) async throws {
        try await auth.principal(request, from: context.clientAddress).require(.admin)
    }

    private func experimentID(_ context: VickreyRequestContext) throws -> ExperimentID {
        let text = try context.parameters.require("id")
        guard let id = ExperimentID(text) else { throw APIError(code: .notFound, message: "no experiment '\(text)'", field: "id") }
        return id
    }

    private func experiment(_ context: VickreyRequestContext) async throws -> StoredExperiment {
        let id = try experimentID(context)
        guard let stored = try await storeCall({ try await store.experiments.experiment(id) }) else {
            throw APIError(code: .notFound, message: "no experiment '\(id)'", field: "id")
        }
        return stored
    }

    /// An experiment's report, as `adctl experiment report` computes it.
    func experimentReport(_ id: ExperimentID) async throws -> ExperimentReport {
        guard let stored = try await storeCall({ try await store.experiments.experiment(id) }) else {
            throw APIError(code: .notFound, message: "no experiment '\(id)'", field: "id")
        }
        let tallies = try await storeCall { try await store.experiments.tallies(id) }
        let delivery = try await storeCall { try await store.experiments.delivery(id) }
        return ExperimentReport(experiment: stored, tallies: tallies, delivery: delivery)
    }
}

/// The admin API's JSON shapes that are not the campaign or experiment JSON.
enum AdminJSON {
    static func advertiser(_ advertiser: Advertiser) -> String {
        var out = JSONWriter()
        out.raw("{")
        out.key("id")
        out.string(advertiser.id.rawValue)
        out.comma()
        out.key("name")
        out.string(advertiser.name)
        out.raw("}")
        return String(decoding: out.bytes, as: UTF8.self)
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
    static func page(_ name: String, _ items: [String], next: String?) -> String {
        var tail = JSONWriter()
        tail.optionalString(next)
        return #"{"\#(name)":["# + items.joined(separator: ",") + #"],"next_after":"# + String(decoding: tail.bytes, as: UTF8.self) + "}"
    }

    static func experiment(_ stored: StoredExperiment) -> String {
        var document = ExperimentDocument.json(stored.experiment)
        document.removeLast()
        return document
            + #","created_at":"\#(stored.createdAt.rfc3339)","stopped_at":\#(stored.stoppedAt.map { "\"\($0.rfc3339)\"" } ?? "null")}"#
    }

    static func hourly(_ campaign: CampaignID, _ rows: [HourlyDelivery]) -> String {
        let items = rows.map {
            #"{"hour":"\#($0.hour.rfc3339)","impressions":\#($0.impressions),"clicks":\#($0.clicks),"spend_nanos":\#($0.spend.value)}"#
        }
        return #"{"campaign_id":"\#(campaign)","hours":[\#(items.joined(separator: ","))]}"#
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
