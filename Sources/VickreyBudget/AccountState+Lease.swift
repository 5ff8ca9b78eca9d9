import VickreyCore

extension AccountState {
    /// The leases this account wants changed at the next settle, by `LeasePolicy`'s asks,
    /// and leases of past budget days handed back whole. What is handed back leaves the
    /// allowance now, so the allowance never exceeds what the database holds.
    /// `figureRefreshes`: how many more figures-only requests this round may carry.
    mutating func leaseRequests(
        _ campaignID: CampaignID, at now: Instant, policy: LeasePolicy, figureRefreshes: inout Int
    ) -> [LeaseRequest] {
        // Taken out while it changes, so its tables are mutated in place, not copied.
        guard var lease else { return [] }
        self.lease = nil
        defer { self.lease = lease }
        if let last = lease.lastSettle {
            lease.ratePerSecond = LeasePolicy.smoothedRate(
                previous: lease.ratePerSecond, drawn: lease.drawnSinceSettle,
                overMilliseconds: now.millisecondsSinceEpoch - last.millisecondsSinceEpoch)
        }
        lease.lastSettle = now
        lease.drawnSinceSettle = .zero
        lease.pendingAtRequests = lease.pending
        lease.billedSinceRequests = .zero
        guard lease.largestCharge > .zero else { return [] }  // never bid: nothing to lease yet
        var requests: [LeaseRequest] = []
        func change(_ period: BudgetPeriod, held: Nanos) -> Nanos? {
            policy.change(
                held: held, reserved: reserved, pool: period == .lifetime ? lease.fleetLifetime : lease.fleetDaily,
                ratePerSecond: lease.ratePerSecond, largestCharge: lease.largestCharge)
        }
        if let change = change(.lifetime, held: lease.lifetime) {
            requests.append(LeaseRequest(campaignID: campaignID, period: .lifetime, change: change, minimum: lease.largestCharge))
            if change < .zero { lease.lifetime += change }
        } else if figureRefreshes > 0,
            lease.figuresAt.map({
                now.millisecondsSinceEpoch - $0.millisecondsSinceEpoch >= LeasePolicy.figuresMaximumAgeMilliseconds
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
        if limits.daily != nil, let change = change(.day(day), held: lease.daily[day] ?? .zero) {
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
        // Taken out while it changes, so its tables are mutated in place, not copied.
        guard var lease else { return }
        self.lease = nil
        defer { self.lease = lease }
        let floor = grant.held - lease.pendingAtRequests - lease.billedSinceRequests
        func bounded(_ allowance: Nanos) -> Nanos { min(max(allowance, floor), grant.held) }
        switch grant.period {
        case .lifetime:
            if grant.change > .zero { lease.lifetime += grant.change }
            lease.lifetime = bounded(lease.lifetime)
            lease.fleetLifetime = grant
            lease.figuresAt = now
            spentTotal = max(spentTotal, grant.fleetSpent)
        case .day(let granted):
            if grant.change > .zero { lease.daily[granted, default: .zero] += grant.change }
            if granted == day || lease.daily[granted] != nil {
                lease.daily[granted] = bounded(lease.daily[granted] ?? .zero)
            }
            if granted == day {
                lease.fleetDaily = grant
                spentToday = max(spentToday, grant.fleetSpent)
            }
        }
        if grant.change > .zero { clearHints() }
    }

    /// A settle that failed: what was handed back is still held in the database.
    mutating func takeBack(_ request: LeaseRequest) {
        guard request.change < .zero else { return }
        switch request.period {
        case .lifetime: lease?.lifetime -= request.change
        case .day(let leasedDay): lease?.daily[leasedDay, default: .zero] -= request.change
        }
    }

    /// Notes a charge the campaign may ask a lease for.
    mutating func noteCharge(_ amount: Nanos) {
        if let largest = lease?.largestCharge, amount > largest { lease?.largestCharge = amount }
    }
}

extension AccountState {
    /// The smaller of the lifetime and today's lease (what reservations draw on).
    var leaseHeld: Nanos {
        guard let lease else { return .zero }
        return limits.daily == nil ? lease.lifetime : min(lease.lifetime, lease.daily[day] ?? .zero)
    }
}
