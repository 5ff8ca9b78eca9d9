import DequeModule
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Drives a scenario against a running `adserver` over HTTP/1.1 keep-alive.
///
/// - Open loop: ad requests leave at a constant rate whatever the server does; each
///   latency is measured from the request's slot in the schedule.
/// - Closed loop: every connection sends its next request as soon as it has an answer;
///   the achieved rate is the most the server sustains with that many connections.
///
/// Ads in answers get impression and click beacons for the scenario's shares, fired
/// after its delay (open loop: on connections of their own, as many as the ads have;
/// closed loop: on the same connections); the run ends when every beacon has been
/// answered (or has failed), so the ledger can be checked against what was accepted.
///
/// Against a fleet (several targets), ad requests go to the server their user id maps to
/// (requests without one by their number), a share of beacons go to another server than
/// the one that served the ad, and a share are replayed at a third.
public final class LoadRunner: Sendable {
    /// Where the server listens.
    public struct Target: Sendable {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// How beacons cross a fleet's servers (ignored with one target).
    public struct FleetRouting: Sendable {
        /// The share of beacons sent to another server than the one that served the ad.
        public var crossShare: Double
        /// The share of impression beacons sent again, to yet another server (a replay).
        public var replayShare: Double
        public init(crossShare: Double = 0.25, replayShare: Double = 0.05) {
            self.crossShare = crossShare
            self.replayShare = replayShare
        }
    }

    struct Job: Sendable {
        var request: PlannedRequest
        /// Which target it goes to.
        var server: Int
        /// When it should have left (nanoseconds, monotonic).
        var intended: UInt64
        /// The ad request's number in the stream (beacon decisions depend on it).
        var number: Int
    }

    /// Beacons waiting for their delay, in order of due time.
    /// Beacons waiting for their time: impressions (and replays) and clicks in two lanes,
    /// each in order of due time (every job of a lane waits the same delay).
    struct BeaconQueue {
        var items = Deque<(due: UInt64, job: Job)>()
        var clicks = Deque<(due: UInt64, job: Job)>()
        var pending: Int { items.count + clicks.count }

        mutating func push(_ job: Job, due: UInt64) {
            if job.request.kind == .click { clicks.append((due, job)) } else { items.append((due, job)) }
        }

        mutating func popDue(_ now: UInt64) -> Job? {
            if let first = items.first, first.due <= now, first.due <= clicks.first?.due ?? .max { return items.removeFirst().job }
            if let first = clicks.first, first.due <= now { return clicks.removeFirst().job }
            if let first = items.first, first.due <= now { return items.removeFirst().job }
            return nil
        }
    }

    public let targets: [Target]
    public var target: Target { targets[0] }
    public let routing: FleetRouting
    public let generator: TrafficGenerator
    /// When set, sent instead of the scenario's ad requests (e.g. `GET /healthz` to
    /// measure the generator's and the framework's ceiling).
    public let fixedRequest: PlannedRequest?
    private let beacons = Mutex(BeaconQueue())
    private let nextNumber = Atomic<Int>(0)
    private let inFlightBeacons = Atomic<Int>(0)

    public convenience init(target: Target, generator: TrafficGenerator, fixedRequest: PlannedRequest? = nil) {
        self.init(targets: [target], generator: generator, fixedRequest: fixedRequest)
    }

    public init(targets: [Target], routing: FleetRouting = FleetRouting(), generator: TrafficGenerator, fixedRequest: PlannedRequest? = nil)
    {
        precondition(!targets.isEmpty, "a run needs a target")
        self.targets = targets
        self.routing = routing
        self.generator = generator
        self.fixedRequest = fixedRequest
    }

    private func request(_ number: Int) -> PlannedRequest { fixedRequest ?? generator.request(number) }

    /// An ad request's job, sent to the server its routing key maps to.
    private func adJob(_ number: Int, intended: UInt64) -> Job {
        let planned = request(number)
        return Job(request: planned, server: Int(planned.routingKey % UInt64(targets.count)), intended: intended, number: number)
    }

    /// Runs the scenario; `progress` is called about once a second with the stats so far.
    public func run(
        mode: Scenario.Mode? = nil, rate: Int? = nil, durationSeconds: Int? = nil,
        progress: @escaping @Sendable (_ elapsedSeconds: Int, RunStats.Snapshot) -> Void = { _, _ in }
    ) async throws -> (stats: RunStats.Snapshot, elapsedSeconds: Double) {
        let scenario = generator.scenario
        let mode = mode ?? scenario.mode
        let duration = UInt64(durationSeconds ?? scenario.durationSeconds) * 1_000_000_000
        let group = MultiThreadedEventLoopGroup.singleton
        // Fail early, with the reason, when a server is not there.
        for target in targets { try await HTTPConnection.connect(host: target.host, port: target.port, group: group).close() }
        let count = scenario.connections
        // Workers open their own connections in the first 200 ms.
        let start = Monotonic.now() + 200_000_000
        let end = start + duration
        let stats = RunStats(startNanoseconds: start)
        let reporter = Task {
            var second = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                second += 1
                progress(second, stats.snapshot)
            }
        }
        defer { reporter.cancel() }
        switch mode {
        case .closed:
            await withTaskGroup(of: Void.self) { workers in
                for _ in 0..<count {
                    workers.addTask {
                        guard let connections = await self.connect(group: group, stats: stats) else { return }
                        await self.closedLoopWorker(connections, start: start, end: end, stats: stats, group: group)
                    }
                }
            }
        case .open:
            // Ads and beacons on separate connections, as in production (beacons come from
            // browsers): a beacon waiting for its durable ledger write must not hold up
            // the ad requests scheduled behind it on the same connection.
            let schedule = RateSchedule(rate: rate ?? scenario.rate, startNanoseconds: start)
            let adQueues = (0..<count).map { _ in AsyncStream<Job>.makeStream() }
            let beaconQueues = (0..<count).map { _ in AsyncStream<Job>.makeStream() }
            await withTaskGroup(of: Void.self) { workers in
                for stream in (adQueues + beaconQueues).map(\.stream) {
                    workers.addTask {
                        guard let connections = await self.connect(group: group, stats: stats) else { return }
                        await self.openLoopWorker(connections, jobs: stream, stats: stats, group: group)
                    }
                }
                await self.dispatch(
                    schedule: schedule, end: end, adQueues: adQueues.map(\.continuation), beaconQueues: beaconQueues.map(\.continuation)
                )
            }
        }
        return (stats.snapshot, Double(Monotonic.now() - start) / 1e9)
    }

    /// One connection to each target, for one worker.
    private func connect(group: any EventLoopGroup, stats: RunStats) async -> [HTTPConnection]? {
        var connections: [HTTPConnection] = []
        for target in targets {
            do { connections.append(try await HTTPConnection.connect(host: target.host, port: target.port, group: group)) } catch {
                stats.recordFailure(.healthz, .connection)
                for connection in connections { connection.close() }
                return nil
            }
        }
        return connections
    }

    /// Open loop: hands each ad request to an ad connection at its intended time, and
    /// each beacon to a beacon connection when its delay is over, until the run's end
    /// and every beacon is out. Each kind takes its connections in turn.
    private func dispatch(
        schedule: RateSchedule, end: UInt64, adQueues: [AsyncStream<Job>.Continuation], beaconQueues: [AsyncStream<Job>.Continuation]
    ) async {
        var next = 0
        var turns = (ads: 0, beacons: 0)
        func hand(_ job: Job, to queues: [AsyncStream<Job>.Continuation], turn: inout Int) {
            queues[turn % queues.count].yield(job)
            turn += 1
        }
        while true {
            let now = Monotonic.now()
            if now < end {
                let due = min(schedule.dueCount(at: now), schedule.dueCount(at: end - 1))
                while next < due {
                    inFlightAds.add(1, ordering: .relaxed)
                    hand(adJob(next, intended: schedule.intendedTime(of: next)), to: adQueues, turn: &turns.ads)
                    next += 1
                }
            }
            while let beacon = beacons.withLock({ $0.popDue(now) }) { hand(beacon, to: beaconQueues, turn: &turns.beacons) }
            let waiting = beacons.withLock { $0.pending }
            if now >= end, waiting == 0, inFlightAds.load(ordering: .relaxed) == 0, inFlightBeacons.load(ordering: .relaxed) == 0 { break }
            if now >= end + 60_000_000_000 { break }  // give up on answers a minute late
            let nextDue = now < end ? schedule.intendedTime(of: next) : now + 1_000_000
            let wait = min(nextDue > now ? nextDue - now : 0, 1_000_000)
            if wait > 50_000 { try? await Task.sleep(nanoseconds: wait) } else { await Task.yield() }
        }
        for queue in adQueues + beaconQueues { queue.finish() }
    }

    private let inFlightAds = Atomic<Int>(0)

    private func openLoopWorker(_ connections: [HTTPConnection], jobs: AsyncStream<Job>, stats: RunStats, group: any EventLoopGroup) async {
        var connections = connections
        for await job in jobs {
            connections[job.server] = await execute(job, on: connections[job.server], stats: stats, group: group)
        }
        for connection in connections { connection.close() }
    }

    private func closedLoopWorker(
        _ connections: [HTTPConnection], start: UInt64, end: UInt64, stats: RunStats, group: any EventLoopGroup
    ) async {
        var connections = connections
        let now = Monotonic.now()
        if now < start { try? await Task.sleep(nanoseconds: start - now) }
        while true {
            let now = Monotonic.now()
            let job: Job
            if let beacon = beacons.withLock({ $0.popDue(now) }) {
                job = Job(request: beacon.request, server: beacon.server, intended: now, number: beacon.number)
            } else if now < end {
                let number = nextNumber.wrappingAdd(1, ordering: .relaxed).oldValue
                inFlightAds.add(1, ordering: .relaxed)
                job = adJob(number, intended: now)
            } else if beacons.withLock({ $0.pending }) > 0 || inFlightAds.load(ordering: .relaxed) > 0 {
                if now >= end + 60_000_000_000 {
                    for connection in connections { connection.close() }
                    return
                }
                try? await Task.sleep(for: .milliseconds(1))
                continue
            } else {
                for connection in connections { connection.close() }
                return
            }
            connections[job.server] = await execute(job, on: connections[job.server], stats: stats, group: group)
        }
    }

    /// Sends one job, records it, schedules its ad's beacons; reconnects after a failure.
    /// The caller counted an ad job in `inFlightAds` (a beacon in `inFlightBeacons`) when
    /// it was created; this uncounts it once done, after scheduling its beacons.
    private func execute(_ job: Job, on connection: HTTPConnection, stats: RunStats, group: any EventLoopGroup) async -> HTTPConnection {
        let isBeacon = job.request.kind == .impression || job.request.kind == .click || job.request.kind == .replay
        let isAd = !isBeacon  // ad requests, or the fixed request standing in for them
        defer {
            if isAd { inFlightAds.subtract(1, ordering: .relaxed) }
            if isBeacon { inFlightBeacons.subtract(1, ordering: .relaxed) }
        }
        do {
            let result = try await connection.send(job.request)
            let completed = Monotonic.now()
            switch job.request.kind {
            case .native, .openrtb:
                let (impressions, clicks) = result.status == 200 ? ResponseScanner.beaconPaths(in: result.body) : ([], [])
                stats.record(
                    job.request.kind, intended: job.intended, completed: completed, status: result.status, filled: impressions.count)
                scheduleBeacons(for: job.number, server: job.server, impressions: impressions, clicks: clicks, answeredAt: completed)
            case .impression:
                stats.record(
                    .impression, intended: job.intended, completed: completed, status: result.status, beaconAccepted: result.status == 200)
            case .click:
                stats.record(
                    .click, intended: job.intended, completed: completed, status: result.status, beaconAccepted: result.status == 302)
            case .replay:
                // Answered like the original, recorded nowhere: not counted as accepted.
                stats.record(.replay, intended: job.intended, completed: completed, status: result.status)
            case .healthz:
                stats.record(.healthz, intended: job.intended, completed: completed, status: result.status)
            }
            return connection
        } catch {
            stats.recordFailure(job.request.kind, error)
            connection.close()
            let target = targets[job.server]
            return (try? await HTTPConnection.connect(host: target.host, port: target.port, group: group)) ?? connection
        }
    }

    private func scheduleBeacons(for number: Int, server: Int, impressions: [String], clicks: [String], answeredAt: UInt64) {
        let due = answeredAt + UInt64(generator.scenario.beacons.delayMilliseconds) * 1_000_000
        let clickDue = answeredAt + UInt64(generator.scenario.beacons.clickDelayMilliseconds) * 1_000_000
        var jobs: [Job] = []
        for (index, path) in impressions.enumerated() {
            let decision = generator.beacons(request: number, ad: index)
            let fleet = generator.fleetDraws(request: number, ad: index)
            // In a fleet: another server than the one that served the ad, for a share.
            let count = targets.count
            let beaconServer = count > 1 && fleet.cross < routing.crossShare ? (server + 1 + fleet.pick % (count - 1)) % count : server
            if decision.impression {
                jobs.append(
                    Job(
                        request: PlannedRequest(kind: .impression, method: .GET, path: path), server: beaconServer, intended: due,
                        number: number))
                if count > 1, fleet.replay < routing.replayShare {
                    let other = (beaconServer + 1) % count == server && count > 2 ? (beaconServer + 2) % count : (beaconServer + 1) % count
                    jobs.append(
                        Job(
                            request: PlannedRequest(kind: .replay, method: .GET, path: path), server: other, intended: due + 1_000_000,
                            number: number))
                }
            }
            if decision.click, index < clicks.count {
                jobs.append(
                    Job(
                        request: PlannedRequest(kind: .click, method: .GET, path: clicks[index]), server: beaconServer, intended: clickDue,
                        number: number))
            }
        }
        guard !jobs.isEmpty else { return }
        inFlightBeacons.add(jobs.count, ordering: .relaxed)
        beacons.withLock { queue in for job in jobs { queue.push(job, due: job.intended) } }
    }
}
