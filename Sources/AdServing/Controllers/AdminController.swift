import Foundation
import HTTPTypes
import Hummingbird
import VickreyBudget
import VickreyCore
import VickreyStore
import VickreyWire
import VickreyYield

/// `/v1/admin/…`: advertisers, campaigns, reports and experiments over HTTP, with the
/// same parsing, validation, store calls and messages as `adctl` (campaign JSON through
/// `CampaignDocument.parseCampaign`, experiments through `ExperimentDocument`, reports
/// through `DeliveryReport` and `ExperimentReport`). Every route needs an API key; what
/// each role may do is in `docs/console.md` (an advertiser key sees only its own
/// advertiser: anything else is 404, never another advertiser's data).
struct AdminController: Sendable {
    let store: Store
    let auth: Authenticator
    let clock: any VickreyClock
    let maximumBodyBytes: Int

    static let defaultLimit = 100
    static let maximumLimit = 500

    func addRoutes(to router: Router<VickreyRequestContext>) {
        router.get("/v1/admin/advertisers") { request, context in try await listAdvertisers(request, context) }
        router.post("/v1/admin/advertisers") { request, context in try await createAdvertiser(request, context) }
        router.get("/v1/admin/advertisers/:id") { request, context in try await showAdvertiser(request, context) }
        router.get("/v1/admin/campaigns") { request, context in try await listCampaigns(request, context) }
        router.post("/v1/admin/campaigns") { request, context in try await createCampaign(request, context) }
        router.get("/v1/admin/campaigns/:id") { request, context in
            let principal = try await auth.principal(request, from: context.clientAddress)
            return try campaignResponse(try await visibleCampaign(try context.parameters.require("id"), principal))
        }
        router.put("/v1/admin/campaigns/:id") { request, context in try await updateCampaign(request, context) }
        for (action, status) in [("pause", CampaignStatus.paused), ("resume", .active), ("archive", .archived)] {
            router.post("/v1/admin/campaigns/:id/\(action)") { request, context in
                let principal = try await auth.principal(request, from: context.clientAddress)
                if status == .archived { try principal.require(.admin) } else { try principal.require(.admin, .advertiser) }
                let campaign = try await visibleCampaign(try context.parameters.require("id"), principal)
                return try campaignResponse(try await storeCall { try await store.campaigns.setStatus(campaign.id, to: status) })
            }
        }
        router.get("/v1/admin/campaigns/:id/delivery") { request, context in
            let principal = try await auth.principal(request, from: context.clientAddress)
            let campaign = try await visibleCampaign(try context.parameters.require("id"), principal)
            let hours = try Self.integer(request, "hours", default: 48, range: 1...24 * 31)
            let since = Instant(secondsSinceEpoch: (clock.now().secondsSinceEpoch / 3_600 - Int64(hours) + 1) * 3_600)
            let rows = try await storeCall { try await store.ledger.hourlyDelivery(campaign: campaign.id, since: since) }
            return JSONResponse.bytes(Array(AdminJSON.hourly(campaign.id, rows).utf8))
        }
        router.get("/v1/admin/reports") { request, context in
            let principal = try await auth.principal(request, from: context.clientAddress)
            try principal.require(.admin, .advertiser)
            let grouping = try Self.grouping(request)
            let since = try Self.since(request)
            return JSONResponse.bytes(Array(DeliveryReport.json(try await deliveryRows(principal, since: since, by: grouping)).utf8))
        }
        addExperimentRoutes(to: router)
    }

    // MARK: Advertisers

    private func listAdvertisers(_ request: Request, _ context: VickreyRequestContext) async throws -> Response {
        let principal = try await auth.principal(request, from: context.clientAddress)
        try principal.require(.admin, .advertiser)
        let (limit, after) = try Self.page(request)
        let all = try await storeCall { try await store.campaigns.advertisers() }.filter { principal.sees($0.id) }
        let page = Array(all.filter { after == nil || $0.id.rawValue > after! }.prefix(limit))
        let next = page.count == limit && all.last?.id != page.last?.id ? page.last?.id.rawValue : nil
        return JSONResponse.bytes(Array(AdminJSON.page("advertisers", page.map(AdminJSON.advertiser), next: next).utf8))
    }

    private func createAdvertiser(_ request: Request, _ context: VickreyRequestContext) async throws -> Response {
        let principal = try await auth.principal(request, from: context.clientAddress)
        try principal.require(.admin)
        let body = try await readBody(request, limit: maximumBodyBytes)
        let advertiser = try AdminJSON.parseAdvertiser(body)
        try await storeCall { try await store.campaigns.createAdvertiser(advertiser) }
        return JSONResponse.bytes(Array(AdminJSON.advertiser(advertiser).utf8), status: .created)
    }

    private func showAdvertiser(_ request: Request, _ context: VickreyRequestContext) async throws -> Response {
        let principal = try await auth.principal(request, from: context.clientAddress)
        try principal.require(.admin, .advertiser)
        let text = try context.parameters.require("id")
        guard let id = AdvertiserID(text), principal.sees(id),
            let advertiser = try await storeCall({ try await store.campaigns.advertiser(id) })
        else { throw APIError(code: .notFound, message: "no advertiser '\(text)'", field: "id") }
        return JSONResponse.bytes(Array(AdminJSON.advertiser(advertiser).utf8))
    }

    // MARK: Campaigns

    private func listCampaigns(_ request: Request, _ context: VickreyRequestContext) async throws -> Response {
        let principal = try await auth.principal(request, from: context.clientAddress)
        try principal.require(.admin, .advertiser)
        let (limit, after) = try Self.page(request)
        var advertiser = principal.role == .advertiser ? principal.advertiserID : nil
        if let text = request.uri.queryParameters["advertiser"].map(String.init) {
            guard let id = AdvertiserID(text) else {
                throw APIError(code: .invalidRequest, message: "'\(text)' is not an advertiser id", field: "advertiser")
            }
            // Another advertiser's filter reads as an advertiser with no campaigns: nothing is revealed.
            if principal.role == .advertiser, id != principal.advertiserID {
                return JSONResponse.bytes(Array(AdminJSON.page("campaigns", [], next: nil).utf8))
            }
            advertiser = id
        }
        var status: CampaignStatus?
        if let text = request.uri.queryParameters["status"].map(String.init) {
            guard let parsed = CampaignStatus(rawValue: text) else {
                throw APIError(code: .invalidRequest, message: "must be active, paused or archived, not '\(text)'", field: "status")
            }
            status = parsed
        }
        let all = try await storeCall { try await store.campaigns.campaigns(advertiser: advertiser, status: status) }
        let page = Array(all.filter { after == nil || $0.id.rawValue > after! }.prefix(limit))
        let next = page.count == limit && all.last?.id != page.last?.id ? page.last?.id.rawValue : nil
        let items = try page.map { String(decoding: try CampaignDocument.json($0), as: UTF8.self) }
        return JSONResponse.bytes(Array(AdminJSON.page("campaigns", items, next: next).utf8))
    }

    private func createCampaign(_ request: Request, _ context: VickreyRequestContext) async throws -> Response {
        let principal = try await auth.principal(request, from: context.clientAddress)
        try principal.require(.admin)
        let campaign = try await parsedCampaign(request)
        try await storeCall { try await store.campaigns.createCampaign(campaign) }
        return try campaignResponse(campaign, status: .created)
    }

    private func updateCampaign(_ request: Request, _ context: VickreyRequestContext) async throws -> Response {
        let principal = try await auth.principal(request, from: context.clientAddress)
        try principal.require(.admin)
        let idText = try context.parameters.require("id")
        let campaign = try await parsedCampaign(request)
        guard campaign.id.rawValue == idText else {
            throw APIError(code: .invalidRequest, message: "the body's id '\(campaign.id)' is not the path's '\(idText)'", field: "id")
        }
        let saved = try await storeCall {
            try await store.campaigns.modifyCampaign(campaign.id) { current in
                guard current.advertiserID == campaign.advertiserID else {
                    throw StoreError(
                        .invalidState, "campaign '\(campaign.id)' belongs to advertiser '\(current.advertiserID)'; it cannot move")
                }
                if current.status == .archived, campaign.status != .archived {
                    throw StoreError(.invalidState, "campaign '\(campaign.id)' is archived; archived campaigns cannot change status")
                }
                current = campaign
            }
        }
        return try campaignResponse(saved)
    }

    private func parsedCampaign(_ request: Request) async throws -> Campaign {
        let body = try await readBody(request, limit: maximumBodyBytes)
        switch CampaignDocument.parseCampaign(Data(body)) {
        case .success(let campaign): return campaign
        case .failure(let error): throw APIError.invalid(error)
        }
    }

    /// The campaign `text` names, if `principal` may see it; 404 otherwise (the same
    /// answer as for a campaign that does not exist).
    func visibleCampaign(_ text: String, _ principal: Principal) async throws -> Campaign {
        try principal.require(.admin, .advertiser)
        guard let id = CampaignID(text), let campaign = try await storeCall({ try await store.campaigns.campaign(id) }),
            principal.sees(campaign.advertiserID)
        else { throw APIError(code: .notFound, message: "no campaign '\(text)'", field: "id") }
        return campaign
    }

    private func campaignResponse(_ campaign: Campaign, status: HTTPResponse.Status = .ok) throws -> Response {
        JSONResponse.bytes(Array(try CampaignDocument.json(campaign)), status: status)
    }

    /// The ledger's delivery rows a principal may see.
    func deliveryRows(_ principal: Principal, since: Instant?, by grouping: DeliveryReport.Grouping) async throws -> [DeliveryRow] {
        var rows = try await storeCall { try await store.ledger.delivery(since: since) }
        if principal.role == .advertiser, let advertiser = principal.advertiserID {
            let own = Set(try await storeCall { try await store.campaigns.campaigns(advertiser: advertiser, status: nil) }.map(\.id))
            rows = rows.filter { own.contains($0.campaignID) }
        }
        return DeliveryReport.rows(rows, by: grouping)
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
            throw APIError(code: .invalidRequest, message: "must be campaign or day", field: "by")
        }
        return grouping
    }

    static func since(_ request: Request) throws -> Instant? {
        guard let text = request.uri.queryParameters["since"].map(String.init) else { return nil }
        guard let instant = RFC3339.parse(text) else {
            throw APIError(code: .invalidRequest, message: "must be an RFC 3339 time such as 2026-11-01T00:00:00Z", field: "since")
        }
        return instant
    }
}

/// Runs a store call, mapping its errors to the API's: the same meanings as `adctl`'s
/// exit codes (not found → 404, refused → 409, invalid data → 400, database → 503).
func storeCall<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let error as StoreError {
        switch error.code {
        case .notFound, .unknownAdvertiser: throw APIError(code: .notFound, message: error.message, field: nil)
        case .alreadyExists, .conflict, .invalidState: throw APIError(code: .conflict, message: error.message, field: nil)
        case .rejected, .caller: throw APIError(code: .invalidRequest, message: error.message, field: nil)
        case .database: throw APIError(code: .unavailable, message: error.message, field: nil)
        }
    }
}
