import DequeModule
import VickreyCore

private struct Reservation {
    var amount: Nanos
    var expiresAt: Instant
}

/// A queue of reservation ids in expiry order (one per kind: each kind has one TTL, so
/// appends arrive in expiry order).
private struct ExpiryQueue {
    private var items = Deque<(id: UInt64, expiresAt: Instant)>()

    mutating func append(_ id: UInt64, _ expiresAt: Instant) { items.append((id, expiresAt)) }

    /// When the first queued reservation expires (it may already be settled: then budget
    /// frees no later than this, which only makes a hint expire early).
    var earliest: Instant? { items.first?.expiresAt }

    mutating func popExpired(at now: Instant) -> UInt64? {
        guard let first = items.first, first.expiresAt <= now else { return nil }
        return items.removeFirst().id
    }
}

/// One campaign's money and pacing state. Every method first moves the account to `now`:
/// a new budget day zeroes the day's spend and restarts pacing; expired reservations
/// give their budget back.
///
/// Invariant kept by every method: `spentTotal + reserved <= total` and
/// `spentToday + reserved <= daily`, unless the operator lowered a budget below what
/// was already spent or held, in which case nothing more is reserved or billed.
struct AccountState {
    var limits: BudgetLimits {
        didSet {
            if limits.timeZone != oldValue.timeZone { dayEnd = .init(millisecondsSinceEpoch: .min) }
            clearHints()
        }
    }
    private(set) var day: Int64 = .min
    /// The current budget day's first and last-plus-one instants (cached: time zone
    /// arithmetic is needed only when a day ends).
    private(set) var dayStart = Instant(millisecondsSinceEpoch: .min)
    private(set) var dayEnd = Instant(millisecondsSinceEpoch: .min)
    var spentToday = Nanos.zero
    var spentTotal = Nanos.zero
    private(set) var reserved = Nanos.zero
    /// Open reservations (for the memory gauges).
    var openReservations: Int { reservations.count }
    private var reservations: [UInt64: Reservation] = [:]
    private var impressionExpiry = ExpiryQueue()
    private var clickExpiry = ExpiryQueue()
    private var pacingState: PacingState
    /// Auctions' hints that this campaign cannot bid; cleared whenever budget frees up.
    private var hints: [EligibilityHint] = []
    private(set) var reservedCumulative = Nanos.zero
    private var settledFromReservations = Nanos.zero
    private var releasedCumulative = Nanos.zero
    private var chargedWithoutReservation = Nanos.zero
    /// Reservations beacons settled, per minute: what the cap on open reservations follows.
    private var settledRate = MinuteRate()
    /// Wins served without a reservation because the cap was reached.
    private var unreservedWins = 0
    /// The instant the account was last moved to.
    private var lastAdvance = Instant(millisecondsSinceEpoch: 0)
    /// A fleet server's leases (nil on a single server, where the limits alone bind).
    var lease: LeaseAllowance?

    init(limits: BudgetLimits, pacing: PacingSettings, leased: Bool = false) {
        self.limits = limits
        pacingState = PacingState(settings: pacing)
        lease = leased ? LeaseAllowance() : nil
    }

    mutating func advance(to now: Instant, pacing: PacingSettings) {
        lastAdvance = now
        if now >= dayEnd || now < dayStart {
            let bounds = limits.timeZone.dayBounds(containing: now)
            dayStart = bounds.start
            dayEnd = bounds.end
            if bounds.day > day {
                day = bounds.day
                spentToday = .zero
                pacingState = PacingState(settings: pacing)
                clearHints()
            }
        }
        while let id = impressionExpiry.popExpired(at: now) ?? clickExpiry.popExpired(at: now) {
            if let reservation = reservations.removeValue(forKey: id) {
                reserved -= reservation.amount
                releasedCumulative += reservation.amount
                clearHints()
            }
        }
    }

    /// Marks `hint` blocked until the earliest moment budget could free up by itself (a
    /// reservation's expiry; the day's end for a daily shortfall), and remembers it so a
    /// release, settlement, reset or new limits clears it sooner.
    mutating func block(_ hint: EligibilityHint, shortfall: UnbilledReason) {
        var until = Instant(millisecondsSinceEpoch: .max)
        if let expiry = impressionExpiry.earliest { until = min(until, expiry) }
        if let expiry = clickExpiry.earliest { until = min(until, expiry) }
        if shortfall == .dailyBudgetExhausted { until = min(until, dayEnd) }
        hint.block(until: until)
        if !hints.contains(where: { $0.isSame(as: hint) }) {
            if hints.count >= 8 { hints.removeFirst() }
            hints.append(hint)
        }
    }

    /// Marks `hint` blocked until `instant` and remembers it, so that anything freeing
    /// budget (and so lowering a goal's progress: a release, a refund) clears it sooner.
    mutating func block(_ hint: EligibilityHint, until instant: Instant) {
        hint.block(until: instant)
        if !hints.contains(where: { $0.isSame(as: hint) }) {
            if hints.count >= 8 { hints.removeFirst() }
            hints.append(hint)
        }
    }

    mutating func clearHints() {
        guard !hints.isEmpty else { return }
        for hint in hints { hint.clear() }
        hints.removeAll(keepingCapacity: true)
    }

    /// Which budget (if any) `amount` more would break, counting open reservations.
    /// `checkingLease` false: a fleet server's charge without a reservation (an ad won on
    /// another server), which the database bills from the lease or tops the lease up for
    /// in the append's transaction, when the fleet's budget holds it.
    func shortfall(adding amount: Nanos, checkingLease: Bool = true) -> UnbilledReason? {
        if spentTotal + reserved + amount > limits.total { return .totalBudgetExhausted }
        if let daily = limits.daily, spentToday + reserved + amount > daily { return .dailyBudgetExhausted }
        if let lease, checkingLease {
            if reserved + amount > lease.lifetime { return .leaseExhausted }
            if limits.daily != nil, reserved + amount > lease.daily[day] ?? .zero { return .leaseExhausted }
        }
        return nil
    }

    /// Even pacing's decision for one request: nil when the campaign may bid, else the
    /// reason (spelled out only when `explain`, since building text costs more than deciding).
    mutating func pacingRefusal(draw: Double, at now: Instant, settings: PacingSettings, explain: Bool) -> String? {
        guard limits.pacing == .even, let daily = limits.daily, daily.value > 0 else { return nil }
        let spentShare = Double((spentToday + reserved).value) / Double(daily.value)
        let expected = settings.expectedTrafficShare(millisecondsIntoDay: now.millisecondsSinceEpoch - dayStart.millisecondsSinceEpoch)
        pacingState.update(spentShare: spentShare, expectedShare: expected, at: now, settings: settings)
        guard draw >= pacingState.passThrough else { return nil }
        guard explain else { return "even pacing" }
        return "even pacing: pass-through \(percent(pacingState.passThrough)) (spent \(percent(spentShare)) of the day's budget, "
            + "\(percent(expected)) of the day's traffic expected so far)"
    }

    /// Reserves `amount` under `id` when the budgets hold it and the campaign has fewer
    /// open reservations than `limits` allow; past the cap the win holds nothing and
    /// `ReservationLimits.unreserved` is returned. Nil: refused (a budget is short).
    /// `everyWin`: no cap (a standard line item, whose every ad served counts toward its goal).
    mutating func reserve(
        _ amount: Nanos, id: UInt64, kind: BeaconKind, expiresAt: Instant, limits: ReservationLimits, everyWin: Bool = false,
        at now: Instant
    ) -> UInt64? {
        noteCharge(amount)
        guard shortfall(adding: amount) == nil else { return nil }
        let cap = limits.cap(settledPerMinute: settledRate.perMinute(at: now))
        if !everyWin, reservations.count >= cap {
            // Past the cap, a win holds nothing, but only while more than another cap's worth
            // of charges is free: near the end of a budget every win reserves (or is
            // refused), so wins never outrun what is left to pay them.
            guard shortfall(adding: Nanos(amount.value.multipliedReportingOverflow(by: Int64(cap) + 1).partialValue)) == nil else {
                return nil
            }
            lease?.draw(amount)  // demand all the same: it sizes a fleet server's next lease
            unreservedWins += 1
            return ReservationLimits.unreserved
        }
        lease?.draw(amount)
        reservations[id] = Reservation(amount: amount, expiresAt: expiresAt)
        reserved += amount
        reservedCumulative += amount
        // Every event but a click (a viewable, a video's complete) waits the impression TTL.
        if kind.expiresWithImpression { impressionExpiry.append(id, expiresAt) } else { clickExpiry.append(id, expiresAt) }
        return id
    }

    /// Turns a reservation (or, when it is gone, the free budget) into spend.
    mutating func charge(_ amount: Nanos, reservationID: UInt64?) -> ChargeOutcome {
        if let reservationID, let reservation = reservations.removeValue(forKey: reservationID) {
            reserved -= reservation.amount
            clearHints()  // whatever the reservation held beyond the charge is free again
            settledRate.count(at: lastAdvance)
            if amount <= reservation.amount, shortfall(adding: amount) == nil {
                spend(amount)
                settledFromReservations += amount
                releasedCumulative += reservation.amount - amount
                return .billed(amount)
            }
            releasedCumulative += reservation.amount
        }
        noteCharge(amount)
        if let reason = shortfall(adding: amount, checkingLease: false) { return .unbilled(reason) }
        spend(amount)
        chargedWithoutReservation += amount
        lease?.draw(amount)
        return .billed(amount)
    }

    func holds(_ reservationID: UInt64) -> Bool { reservations[reservationID] != nil }

    /// Gives a reservation's budget back (the ad was never shown). False when it is gone.
    mutating func release(_ reservationID: UInt64) -> Bool {
        guard let reservation = reservations.removeValue(forKey: reservationID) else { return false }
        reserved -= reservation.amount
        clearHints()
        releasedCumulative += reservation.amount
        return true
    }

    /// Takes back spend that was charged but never recorded. `toLease`: the database did
    /// not take it from the lease either, so the lease holds it again.
    mutating func refund(_ amount: Nanos, toLease: Bool) {
        clearHints()
        spentTotal -= amount
        spentToday = spentToday >= amount ? spentToday - amount : .zero
        if toLease {
            lease?.lifetime += amount
            if limits.daily != nil { lease?.daily[day, default: .zero] += amount }
        }
        settle(amount)
    }

    /// A charge billed here has its answer from the ledger (recorded, refused or failed).
    mutating func settle(_ amount: Nanos) {
        if let pending = lease?.pending { lease?.pending = max(.zero, pending - amount) }
    }

    /// Sets the spend recovered from durable records.
    mutating func restore(spentTotal: Nanos, spentToday: Nanos, day: Int64) {
        clearHints()
        self.spentTotal = spentTotal
        if day >= self.day {
            self.day = day
            self.spentToday = spentToday
        }
    }

    private mutating func spend(_ amount: Nanos) {
        spentTotal += amount
        spentToday += amount
        lease?.lifetime -= amount
        if limits.daily != nil { lease?.daily[day, default: .zero] -= amount }
        lease?.pending += amount
        lease?.billedSinceRequests += amount
    }

    var snapshot: BudgetSnapshot {
        BudgetSnapshot(
            limits: limits, day: day, spentToday: spentToday, spentTotal: spentTotal, reserved: reserved,
            openReservations: reservations.count, unreservedWins: unreservedWins, reservedCumulative: reservedCumulative,
            settledFromReservations: settledFromReservations, releasedCumulative: releasedCumulative,
            chargedWithoutReservation: chargedWithoutReservation,
            passThrough: limits.pacing == .even && limits.daily != nil ? pacingState.passThrough : 1,
            lease: lease.map {
                LeaseSnapshot(
                    lifetime: $0.lifetime, daily: limits.daily == nil ? nil : $0.daily[day] ?? .zero, fleetLifetime: $0.fleetLifetime,
                    fleetDaily: $0.fleetDaily, ratePerSecond: $0.ratePerSecond)
            }
        )
    }
}

private func percent(_ share: Double) -> String {
    let tenths = Int((share * 1000).rounded())
    return "\(tenths / 10).\(tenths % 10)%"
}

/// Events per minute over a sliding minute: the count of the current minute and, weighted
/// by how much of it is still inside the last 60 seconds, of the minute before.
struct MinuteRate {
    private var minute: Int64 = .min
    private var current = 0
    private var previous = 0

    mutating func count(at now: Instant) {
        roll(to: now)
        current += 1
    }

    /// Events in the 60 seconds before `now` (the previous minute's share estimated).
    func perMinute(at now: Instant) -> Int {
        let thisMinute = now.millisecondsSinceEpoch / 60_000
        if thisMinute == minute {
            let elapsed = now.millisecondsSinceEpoch % 60_000
            return current + Int(Int64(previous) * (60_000 - elapsed) / 60_000)
        }
        if thisMinute == minute + 1 {
            let elapsed = now.millisecondsSinceEpoch % 60_000
            return Int(Int64(current) * (60_000 - elapsed) / 60_000)
        }
        return 0
    }

    private mutating func roll(to now: Instant) {
        let thisMinute = now.millisecondsSinceEpoch / 60_000
        guard thisMinute != minute else { return }
        previous = thisMinute == minute + 1 ? current : 0
        current = 0
        minute = thisMinute
    }
}
