import VickreyBudget
import VickreyCore
import VickreyStore
import VickreyWire
import VickreyYield

/// What the admin API and the console do to advertisers, campaigns, reports and
/// experiments, once, with the role rules: an admin may do everything; an advertiser key
/// sees, pauses and resumes its own advertiser's campaigns and reads their reports, and
/// anything of another advertiser is "not found", exactly like something that does not
/// exist. Speaks the domain: it throws `AdministrationError`, which only the HTTP layer
/// (`APIError`) turns into status codes.
struct Administration: Sendable {
    let store: Store
    let clock: any VickreyClock
    /// The live status of the server's line items.
    let lineItems: LineItemStatuses
    /// Where the request sample forecasts read is, and its rate.
    let sample: SampleSource

    /// The request sample a forecast reads.
    struct SampleSource: Sendable {
        var path: String
        var ratePPM: Int64
        var keptFiles: Int
    }

    // MARK: Advertisers

    func advertisers(for principal: Principal) async throws(AdministrationError) -> [Advertiser] {
        try principal.require(.admin, .advertiser)
        return try await call { try await store.campaigns.advertisers() }.filter { principal.sees($0.id) }
    }

    func advertiser(_ text: String, for principal: Principal) async throws(AdministrationError) -> Advertiser {
        try principal.require(.admin, .advertiser)
        guard let id = AdvertiserID(text), principal.sees(id), let advertiser = try await call({ try await store.campaigns.advertiser(id) })
        else { throw .notFound("no advertiser '\(text)'", field: "id") }
        return advertiser
    }

    func createAdvertiser(_ advertiser: Advertiser, by principal: Principal) async throws(AdministrationError) {
        try principal.require(.admin)
        try await change(by: principal) { try await store.campaigns.createAdvertiser(advertiser) }
    }

    // MARK: Campaigns

    /// The campaigns `principal` may see, of `advertiser` and with `status` when given
    /// (another advertiser's filter reads as an advertiser with no campaigns).
    func campaigns(for principal: Principal, advertiser: AdvertiserID? = nil, status: CampaignStatus? = nil)
        async throws(AdministrationError) -> [Campaign]
    {
        try principal.require(.admin, .advertiser)
        var filter = advertiser
        if principal.role == .advertiser {
            if let advertiser, advertiser != principal.advertiserID { return [] }
            filter = principal.advertiserID
        }
        return try await call { try await store.campaigns.campaigns(advertiser: filter, status: status) }
    }

    /// The campaign `text` names, if `principal` may see it; "not found" otherwise.
    func campaign(_ text: String, for principal: Principal) async throws(AdministrationError) -> Campaign {
        try principal.require(.admin, .advertiser)
        guard let id = CampaignID(text), let campaign = try await call({ try await store.campaigns.campaign(id) }),
            principal.sees(campaign.advertiserID)
        else { throw .notFound("no campaign '\(text)'", field: "id") }
        return campaign
    }

    func createCampaign(_ campaign: Campaign, by principal: Principal) async throws(AdministrationError) {
        try principal.require(.admin)
        try await change(by: principal) { try await store.campaigns.createCampaign(campaign) }
    }

    /// Replaces the campaign `text` names with `campaign` (same id): it may not move to
    /// another advertiser, and an archived campaign stays archived.
    func replaceCampaign(_ text: String, with campaign: Campaign, by principal: Principal) async throws(AdministrationError) -> Campaign {
        try principal.require(.admin)
        guard campaign.id.rawValue == text else {
            throw .invalid("the body's id '\(campaign.id)' is not the path's '\(text)'", field: "id")
        }
        _ = try await self.campaign(text, for: principal)
        return try await change(by: principal) {
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
    }

    /// Pauses or resumes (admin or the campaign's advertiser) or archives (admin only).
    func setStatus(_ text: String, to status: CampaignStatus, by principal: Principal) async throws(AdministrationError) -> Campaign {
        if status == .archived { try principal.require(.admin) } else { try principal.require(.admin, .advertiser) }
        let campaign = try await self.campaign(text, for: principal)
        return try await change(by: principal) { try await store.campaigns.setStatus(campaign.id, to: status) }
    }

    /// The campaign's delivery by hour over the last `hours` hours (this one included).
    func hourlyDelivery(_ text: String, hours: Int, for principal: Principal) async throws(AdministrationError) -> (
        campaign: Campaign, since: Instant, rows: [HourlyDelivery]
    ) {
        let campaign = try await self.campaign(text, for: principal)
        let since = Instant(secondsSinceEpoch: (clock.now().secondsSinceEpoch / 3_600 - Int64(hours) + 1) * 3_600)
        return (campaign, since, try await call { try await store.ledger.hourlyDelivery(campaign: campaign.id, since: since) })
    }

    // MARK: Forecasts (admin only)

    /// The availability forecast of `proposed` over `[from, to)` (defaults: its flight, else
    /// the next week), beside every booked sponsorship and standard line item.
    func forecast(_ proposed: Campaign, from: Instant?, to: Instant?, weeks: Int, by principal: Principal)
        async throws(AdministrationError) -> (Forecast, ForecastQuestion)
    {
        try principal.require(.admin)
        let start = from ?? proposed.start ?? clock.now()
        let end = to ?? proposed.end ?? start.adding(seconds: 7 * 86_400)
        guard end > start else { throw .invalid("must be after from", field: "to") }
        let requests: [SampledRequest]
        do { requests = try RequestSample.read(path: sample.path, keptFiles: sample.keptFiles).requests } catch {
            throw .invalid("the request sample at \(sample.path) cannot be read: \(error)", field: nil)
        }
        let booked = try await bookedLineItems().filter { $0.id != proposed.id }
        let question = ForecastQuestion(
            proposed: proposed, booked: booked, from: start, to: end, sampleRatePPM: sample.ratePPM, weeks: weeks)
        return (Forecaster.forecast(question, sample: requests), question)
    }

    /// Warnings for booking `campaign` (a standard item past its forecast availability).
    func bookingWarnings(_ campaign: Campaign) async throws(AdministrationError) -> [String] {
        guard campaign.lineItem.goal != nil, campaign.status == .active else { return [] }
        let booked = try await bookedLineItems()
        return BookingCheck.warnings(
            for: campaign, booked: booked, samplePath: sample.path, sampleRatePPM: sample.ratePPM, keptFiles: sample.keptFiles)
    }

    private func bookedLineItems() async throws(AdministrationError) -> [Campaign] {
        try await call { try await store.campaigns.campaigns(advertiser: nil, status: .active) }.filter {
            $0.lineItem.delivery.isGuaranteed
        }
    }

    /// The status of every served line item `principal` may see.
    func lineItemStatuses(for principal: Principal) async throws(AdministrationError) -> [LineItemStatus] {
        try principal.require(.admin, .advertiser)
        let visible = lineItems.reloader.index.snapshot
        return lineItems.all().filter { status in visible.campaign(status.campaignID).map { principal.sees($0.advertiserID) } ?? false }
    }

    /// The status of the line item `text` names; "not found" for a campaign that is not a
    /// sponsorship or standard line item.
    func lineItemStatus(_ text: String, for principal: Principal) async throws(AdministrationError) -> LineItemStatus {
        let campaign = try await self.campaign(text, for: principal)
        guard let status = lineItems.status(of: campaign) else {
            throw .notFound("campaign '\(text)' is not a sponsorship or standard line item", field: "id")
        }
        return status
    }

    /// The ledger's delivery rows (`adctl report`'s) that `principal` may see, for events
    /// in `[since, until)`.
    func deliveryRows(for principal: Principal, since: Instant?, until: Instant? = nil, by grouping: DeliveryReport.Grouping)
        async throws(AdministrationError) -> [DeliveryRow]
    {
        try principal.require(.admin, .advertiser)
        var rows = try await call { try await store.ledger.delivery(since: since, until: until, detail: grouping.detail) }
        var advertisers: [CampaignID: AdvertiserID] = [:]
        if principal.role == .advertiser, let advertiser = principal.advertiserID {
            let own = Set(try await call { try await store.campaigns.campaigns(advertiser: advertiser, status: nil) }.map(\.id))
            rows = rows.filter { own.contains($0.campaignID) }
            for id in own { advertisers[id] = advertiser }
        } else if grouping == .advertiser {
            for campaign in try await call({ try await store.campaigns.campaigns(advertiser: nil, status: nil) }) {
                advertisers[campaign.id] = campaign.advertiserID
            }
        }
        return DeliveryReport.rows(rows, by: grouping) { advertisers[$0] }
    }

    /// The all-time delivery of `campaigns` that `principal` may see (a list page's rows).
    func deliveryRows(of campaigns: [Campaign], for principal: Principal) async throws(AdministrationError) -> [DeliveryRow] {
        try principal.require(.admin, .advertiser)
        let visible = campaigns.filter { principal.role == .admin || $0.advertiserID == principal.advertiserID }.map(\.id)
        return try await call { try await store.ledger.delivery(of: visible) }
    }

    // MARK: Experiments (admin only)

    func experiments(for principal: Principal) async throws(AdministrationError) -> [StoredExperiment] {
        try principal.require(.admin)
        return try await call { try await store.experiments.experiments() }
    }

    func createExperiment(_ experiment: Experiment, by principal: Principal) async throws(AdministrationError) -> StoredExperiment {
        try principal.require(.admin)
        let now = clock.now()
        try await change(by: principal) { try await store.experiments.create(experiment, at: now) }
        return StoredExperiment(experiment: experiment, createdAt: now, stoppedAt: nil)
    }

    func experiment(_ text: String, for principal: Principal) async throws(AdministrationError) -> StoredExperiment {
        try principal.require(.admin)
        guard let id = ExperimentID(text), let stored = try await call({ try await store.experiments.experiment(id) }) else {
            throw .notFound("no experiment '\(text)'", field: "id")
        }
        return stored
    }

    func stopExperiment(_ text: String, by principal: Principal) async throws(AdministrationError) -> StoredExperiment {
        let stored = try await experiment(text, for: principal)
        try await change(by: principal) { try await store.experiments.stop(stored.experiment.id, at: clock.now()) }
        return try await experiment(text, for: principal)
    }

    /// An experiment's report, as `adctl experiment report` computes it.
    func experimentReport(_ text: String, for principal: Principal) async throws(AdministrationError) -> ExperimentReport {
        let stored = try await experiment(text, for: principal)
        let id = stored.experiment.id
        let tallies = try await call { try await store.experiments.tallies(id) }
        let delivery = try await call { try await store.experiments.delivery(id) }
        return ExperimentReport(experiment: stored, tallies: tallies, delivery: delivery)
    }

    // MARK: Audit (admin only)

    /// Up to `limit` audit entries older than entry `before`, newest first, of the campaign
    /// `campaign` names when given.
    func auditEntries(campaign: String?, before: Int64?, limit: Int, for principal: Principal) async throws(AdministrationError)
        -> [AuditEntry]
    {
        try principal.require(.admin)
        var filter: CampaignID?
        if let campaign {
            guard let id = CampaignID(campaign) else { throw .invalid("must be a campaign id", field: "campaign") }
            filter = id
        }
        return try await call { try await store.audit.entries(campaign: filter, before: before, limit: limit) }
    }

    // MARK: Keys

    /// Whether the API key `id` still exists and is not revoked (a console session's key
    /// is checked on every page).
    func keyIsValid(_ id: String) async throws(AdministrationError) -> Bool {
        guard let record = try await call({ try await store.apiKeys.key(id: id) }) else { return false }
        return record.revokedAt == nil
    }

    /// Runs a store call that changes something, recorded in the audit log as
    /// `principal`'s (its key's id), its errors as `AdministrationError.store`.
    private func change<T>(by principal: Principal, _ body: () async throws -> T) async throws(AdministrationError) -> T {
        try await call { try await AuditActor.$current.withValue(principal.auditActor) { try await body() } }
    }

    /// Runs a store call, its errors as `AdministrationError.store`.
    private func call<T>(_ body: () async throws -> T) async throws(AdministrationError) -> T {
        do { return try await body() } catch let error as StoreError { throw .store(error) } catch let error as AdministrationError {
            throw error
        } catch { throw .store(StoreError(.database, "\(error)", underlying: error)) }
    }
}

/// Why an administration use case did not happen.
enum AdministrationError: Error, Sendable {
    /// Nothing the caller may see has this id (it does not exist, or is another advertiser's).
    case notFound(String, field: String?)
    /// The caller's role may not do this.
    case forbidden(String)
    /// The request itself is wrong, naming the field.
    case invalid(String, field: String?)
    /// The store refused or failed (taken id, invalid state, unknown advertiser, database down).
    case store(StoreError)
}
