import VickreyCore

extension AccountState {
    /// The leases this account wants changed at the next settle: a top-up where less than
    /// half a slice is unreserved, the surplus above two slices handed back, and leases
    /// of past budget days handed back whole. What is handed back leaves the allowance
    /// now, so the allowance never exceeds what the database holds.
    /// `figureRefreshes`: how many more figures-only requests this round may carry.
    mutating func leaseRequests(
        _ campaignID: CampaignID, at now: Instant, settings: LeaseSettings, figureRefreshes: inout Int
    ) -> [LeaseRequest] {
        guard var lease else { return [] }
        defer { self.lease = lease }
        if let last = lease.lastSettle {
            let milliseconds = max(1, now.millisecondsSinceEpoch - last.millisecondsSinceEpoch)
            let (scaled, overflow) = lease.drawnSinceSettle.value.multipliedReportingOverflow(by: 1000)
            let instant = Nanos(overflow ? Int64.max / 2 : scaled / milliseconds)
            lease.ratePerSecond = lease.ratePerSecond == .zero ? instant : Nanos((lease.ratePerSecond.value / 2) + (instant.value / 2))
        }
        lease.lastSettle = now
        lease.drawnSinceSettle = .zero
        lease.pendingAtRequests = lease.pending
        lease.billedSinceRequests = .zero
        guard lease.largestCharge > .zero else { return [] }  // never bid: nothing to lease yet
        let slice = settings.slice(ratePerSecond: lease.ratePerSecond, largestCharge: lease.largestCharge)
        var requests: [LeaseRequest] = []
        func wish(_ period: BudgetPeriod, held: Nanos) -> Nanos? {
            let unreserved = held - reserved
            let fleet = period == .lifetime ? lease.fleetLifetime : lease.fleetDaily
            if let fleet, let budget = fleet.budget {
                let uncommitted = budget - fleet.fleetSpent - fleet.outstanding
                // Over the budget (it was lowered): everything unreserved goes back.
                if uncommitted < .zero { return unreserved > .zero ? Nanos.zero - unreserved : nil }
                // The pool runs low: hold only what this server's own demand needs over
                // the horizon (nothing when idle), so the last of a budget serves wherever
                // the traffic is instead of waiting on an idle server.
                if uncommitted < slice {
                    // Less than half a charge over the horizon is idle (the smoothed rate
                    // halves each idle round: it takes dozens of rounds to reach zero).
                    let horizon = settings.demand(ratePerSecond: lease.ratePerSecond)
                    let need = horizon.value * 2 < lease.largestCharge.value ? .zero : max(lease.largestCharge, horizon)
                    if unreserved > need { return Nanos.zero - (unreserved - need) }
                    return unreserved < need ? need - max(unreserved, .zero) : nil
                }
            }
            if unreserved.value < slice.value / 2 { return slice - max(unreserved, .zero) }
            if unreserved.value > slice.value * 2 { return Nanos.zero - (unreserved - slice) }
            return nil
        }
        if let change = wish(.lifetime, held: lease.lifetime) {
            requests.append(LeaseRequest(campaignID: campaignID, period: .lifetime, change: change, minimum: lease.largestCharge))
            if change < .zero { lease.lifetime += change }
        } else if figureRefreshes > 0,
            lease.figuresAt.map({
                now.millisecondsSinceEpoch - $0.millisecondsSinceEpoch >= LeaseAllowance.figuresMaximumAgeMilliseconds
            }) ?? true
        {
            figureRefreshes -= 1
            // Nothing to change, but the fleet's figures are old: ask for them, so a pool
            // running low is seen (and the surplus handed back) even by an idle server.
            requests.append(LeaseRequest(campaignID: campaignID, period: .lifetime, change: .zero, minimum: .zero))
        }
        for (leasedDay, held) in lease.daily where leasedDay != day || limits.daily == nil {
            lease.daily[leasedDay] = nil
            if held > .zero {
                requests.append(LeaseRequest(campaignID: campaignID, period: .day(leasedDay), change: Nanos.zero - held, minimum: .zero))
            }
        }
        if limits.daily != nil, let change = wish(.day(day), held: lease.daily[day] ?? .zero) {
            requests.append(
                LeaseRequest(
                    campaignID: campaignID, period: .day(day), change: change, minimum: lease.largestCharge,
                    dayStart: dayStart.millisecondsSinceEpoch, dayEnd: dayEnd.millisecondsSinceEpoch))
            if change < .zero { lease.daily[day, default: .zero] += change }
        } else if limits.pacing == .even, limits.daily != nil, figureRefreshes > 0 {
            // Even pacing follows the fleet's spend today: ask for its figures every round.
            figureRefreshes -= 1
            requests.append(LeaseRequest(campaignID: campaignID, period: .day(day), change: .zero, minimum: .zero))
        }
        return requests
    }

    /// Takes in what the database granted (hand-backs were taken out when asked) and the
    /// fleet's figures, which also become the account's spend when the fleet's is higher.
    ///
    /// The allowance is then kept between two bounds from the database: never above what
    /// it holds for this server (after a partition longer than the TTL the lease was
    /// reaped), and never below what it holds less every charge that may not have reached
    /// it yet (pending when the requests were made, or billed since) — which raises the
    /// allowance after the database topped the lease up for an ad won elsewhere.
    mutating func apply(_ grant: LeaseGrant, at now: Instant) {
        guard lease != nil else { return }
        let floor = grant.held - lease!.pendingAtRequests - lease!.billedSinceRequests
        func bounded(_ allowance: Nanos) -> Nanos { min(max(allowance, floor), grant.held) }
        switch grant.period {
        case .lifetime:
            if grant.change > .zero { lease!.lifetime += grant.change }
            lease!.lifetime = bounded(lease!.lifetime)
            lease!.fleetLifetime = grant
            lease!.figuresAt = now
            spentTotal = max(spentTotal, grant.fleetSpent)
        case .day(let granted):
            if grant.change > .zero { lease!.daily[granted, default: .zero] += grant.change }
            if granted == day || lease!.daily[granted] != nil {
                lease!.daily[granted] = bounded(lease!.daily[granted] ?? .zero)
            }
            if granted == day {
                lease!.fleetDaily = grant
                spentToday = max(spentToday, grant.fleetSpent)
            }
        }
        if grant.change > .zero { clearHints() }
    }

    /// A settle that failed: what was handed back is still held in the database.
    mutating func takeBack(_ request: LeaseRequest) {
        guard lease != nil, request.change < .zero else { return }
        switch request.period {
        case .lifetime: lease!.lifetime -= request.change
        case .day(let leasedDay): lease!.daily[leasedDay, default: .zero] -= request.change
        }
    }

    /// Notes a charge the campaign may ask a lease for.
    mutating func noteCharge(_ amount: Nanos) {
        if lease != nil, amount > lease!.largestCharge { lease!.largestCharge = amount }
    }
}

extension AccountState {
    /// The smaller of the lifetime and today's lease (what reservations draw on).
    var leaseHeld: Nanos {
        guard let lease else { return .zero }
        return limits.daily == nil ? lease.lifetime : min(lease.lifetime, lease.daily[day] ?? .zero)
    }
}
