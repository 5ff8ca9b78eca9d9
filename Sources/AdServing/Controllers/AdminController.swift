import Foundation
import HTTPTypes
import Hummingbird
import VickreyBudget
import VickreyCore
import VickreyStore
import VickreyWire
import VickreyYield

/// `/v1/admin/…`: advertisers, campaigns, reports and experiments over HTTP. What each
/// route does is `Administration`'s (the console's too), with the same parsing,
/// validation and messages as `adctl` (campaign JSON through
/// `CampaignDocument.parseCampaign`, experiments through `ExperimentDocument`, reports
/// through `DeliveryReport` and `ExperimentReport`). Every route needs an API key; what
/// each role may do is in `docs/console.md`.
struct AdminController: Sendable {
    let administration: Administration
    let auth: Authenticator
    let clock: any VickreyClock
    let maximumBodyBytes: Int

    static let defaultLimit = 100
    static let maximumLimit = 500

    func addRoutes(to router: Router<VickreyRequestContext>) {
        router.get("/v1/admin/advertisers") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            let (limit, after) = try Self.page(request)
            let page = Page(try await administration.advertisers(for: principal), limit: limit, after: after) { $0.id.rawValue }
            return AdminJSON.response(AdminJSON.page("advertisers", page) { AdminJSON.advertiser($0, into: &$1) })
        }
        router.post("/v1/admin/advertisers") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            let advertiser = try AdminJSON.parseAdvertiser(try await readBody(request, limit: maximumBodyBytes))
            try await administration.createAdvertiser(advertiser, by: principal)
            return AdminJSON.response(AdminJSON.write { AdminJSON.advertiser(advertiser, into: &$0) }, status: .created)
        }
        router.get("/v1/admin/advertisers/:id") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            let advertiser = try await administration.advertiser(try context.parameters.require("id"), for: principal)
            return AdminJSON.response(AdminJSON.write { AdminJSON.advertiser(advertiser, into: &$0) })
        }
        router.get("/v1/admin/campaigns") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            let (limit, after) = try Self.page(request)
            let campaigns = try await administration.campaigns(
                for: principal, advertiser: try Self.advertiserFilter(request), status: try Self.statusFilter(request))
            let page = Page(campaigns, limit: limit, after: after) { $0.id.rawValue }
            return AdminJSON.response(
                try AdminJSON.page("campaigns", page) { campaign, out in out.json(try CampaignDocument.json(campaign)) })
        }
        router.post("/v1/admin/campaigns") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            let campaign = try await parsedCampaign(request)
            try await administration.createCampaign(campaign, by: principal)
            return try campaignResponse(campaign, status: .created, warnings: try await administration.bookingWarnings(campaign))
        }
        router.post("/v1/admin/forecasts") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            let campaign = try await parsedCampaign(request)
            let weeks = try Self.integer(request, "weeks", default: 4, range: 1...52)
            let (forecast, question) = try await administration.forecast(
                campaign, from: try Self.instant(request, "from"), to: try Self.instant(request, "to"), weeks: weeks, by: principal)
            return AdminJSON.response(AdminJSON.write { ForecastJSON.write(forecast, question, into: &$0) })
        }
        router.get("/v1/admin/campaigns/:id") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            return try campaignResponse(try await administration.campaign(try context.parameters.require("id"), for: principal))
        }
        router.put("/v1/admin/campaigns/:id") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            let campaign = try await parsedCampaign(request)
            let replaced = try await administration.replaceCampaign(try context.parameters.require("id"), with: campaign, by: principal)
            return try campaignResponse(replaced, warnings: try await administration.bookingWarnings(replaced))
        }
        for (action, status) in [("pause", CampaignStatus.paused), ("resume", .active), ("archive", .archived)] {
            router.post("/v1/admin/campaigns/:id/\(action)") { request, context in
                let principal = try await auth.principal(request, from: context.peerAddress)
                return try campaignResponse(
                    try await administration.setStatus(try context.parameters.require("id"), to: status, by: principal))
            }
        }
        router.get("/v1/admin/campaigns/:id/delivery") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            let hours = try Self.integer(request, "hours", default: 48, range: 1...24 * 31)
            let delivery = try await administration.hourlyDelivery(try context.parameters.require("id"), hours: hours, for: principal)
            return AdminJSON.response(AdminJSON.hourly(delivery.campaign.id, delivery.rows))
        }
        router.get("/v1/admin/line-items") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            let statuses = try await administration.lineItemStatuses(for: principal)
            return AdminJSON.response(
                AdminJSON.write { out in
                    out.object { out in
                        out.key("line_items")
                        out.array { out in for status in statuses { status.write(into: &out) } }
                    }
                })
        }
        router.get("/v1/admin/campaigns/:id/line-item") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            let status = try await administration.lineItemStatus(try context.parameters.require("id"), for: principal)
            return AdminJSON.response(AdminJSON.write { status.write(into: &$0) })
        }
        router.get("/v1/admin/reports") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            let rows = try await administration.deliveryRows(
                for: principal, since: try Self.instant(request, "since"), until: try Self.instant(request, "until"),
                by: try Self.grouping(request))
            return JSONResponse.bytes(Array(DeliveryReport.json(rows).utf8))
        }
        router.get("/v1/admin/audit") { request, context in
            let principal = try await auth.principal(request, from: context.peerAddress)
            let limit = try Self.integer(request, "limit", default: Self.defaultLimit, range: 1...Self.maximumLimit)
            let before = try Self.integer(request, "before", default: Int.max, range: 1...Int.max)
            // One more than the page, to tell whether another page follows.
            let entries = try await administration.auditEntries(
                campaign: request.uri.queryParameters["campaign"].map(String.init), before: before == .max ? nil : Int64(before),
                limit: limit + 1, for: principal)
            return AdminJSON.response(AdminJSON.auditPage(Array(entries.prefix(limit)), hasMore: entries.count > limit))
        }
        addExperimentRoutes(to: router)
    }

    private func parsedCampaign(_ request: Request) async throws -> Campaign {
        let body = try await readBody(request, limit: maximumBodyBytes)
        switch CampaignDocument.parseCampaign(Data(body)) {
        case .success(let campaign): return campaign
        case .failure(let error): throw APIError.invalid(error)
        }
    }

    /// The campaign JSON; with `warnings` (booking a standard item past its availability)
    /// the object gains a `warnings` list of them.
    private func campaignResponse(_ campaign: Campaign, status: HTTPResponse.Status = .ok, warnings: [String] = []) throws -> Response {
        var bytes = Array(try CampaignDocument.json(campaign))
        if !warnings.isEmpty, bytes.last == UInt8(ascii: "}") {
            var list = JSONWriter()
            list.stringArray(warnings)
            bytes.removeLast()
            bytes += Array(#","warnings":"#.utf8) + list.bytes + [UInt8(ascii: "}")]
        }
        return JSONResponse.bytes(bytes, status: status)
    }

    static func instant(_ request: Request, _ name: String) throws -> Instant? {
        guard let text = request.uri.queryParameters[name[...]].map(String.init) else { return nil }
        guard let instant = RFC3339.parse(text) else {
            throw APIError(code: .invalidRequest, message: "'\(text.prefix(64))' is not an RFC 3339 time", field: name)
        }
        return instant
    }

    // MARK: Parameters

    static func page(_ request: Request) throws -> (limit: Int, after: String?) {
        let limit = try integer(request, "limit", default: defaultLimit, range: 1...maximumLimit)
        let after = request.uri.queryParameters["after"].map(String.init)
        if let after, after.utf8.count > 64 { throw APIError(code: .invalidRequest, message: "at most 64 characters", field: "after") }
        return (limit, after)
    }

    static func integer(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters[name[...]] else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError(
                code: .invalidRequest, message: "must be a whole number from \(range.lowerBound) to \(range.upperBound)", field: name)
        }
        return number
    }

    static func grouping(_ request: Request) throws -> DeliveryReport.Grouping {
        guard let text = request.uri.queryParameters["by"] else { return .campaign }
        guard let grouping = DeliveryReport.Grouping(rawValue: String(text)) else {
            throw APIError(code: .invalidRequest, message: "must be campaign, day, advertiser, placement or creative", field: "by")
        }
        return grouping
    }

    static func advertiserFilter(_ request: Request) throws -> AdvertiserID? {
        guard let text = request.uri.queryParameters["advertiser"].map(String.init) else { return nil }
        guard let id = AdvertiserID(text) else {
            throw APIError(code: .invalidRequest, message: "'\(text)' is not an advertiser id", field: "advertiser")
        }
        return id
    }

    static func statusFilter(_ request: Request) throws -> CampaignStatus? {
        guard let text = request.uri.queryParameters["status"].map(String.init) else { return nil }
        guard let status = CampaignStatus(rawValue: text) else {
            throw APIError(code: .invalidRequest, message: "must be active, paused or archived, not '\(text)'", field: "status")
        }
        return status
    }

}
