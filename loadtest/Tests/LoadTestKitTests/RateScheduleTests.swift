import Histogram
import LoadTestKit
import Testing

@Suite("Open-loop rate schedule and latency correction")
struct RateScheduleTests {
    @Test(arguments: [1, 3, 7, 1_000, 12_345, 999_983])
    func eachRequestIsDueExactlyFromItsIntendedTime(rate: Int) {
        let schedule = RateSchedule(rate: rate, startNanoseconds: 5_000)
        #expect(schedule.dueCount(at: 4_999) == 0)
        #expect(schedule.dueCount(at: 5_000) == 1)
        var previous: UInt64 = 0
        for number in 0..<5_000 {
            let intended = schedule.intendedTime(of: number)
            #expect(intended >= previous)
            previous = intended
            #expect(schedule.dueCount(at: intended) == number + 1)
            if number > 0 { #expect(schedule.dueCount(at: intended - 1) == number) }
        }
        // The spacing averages exactly 1/rate: after `rate` requests, one second has passed.
        #expect(schedule.intendedTime(of: rate) == 5_000 + 1_000_000_000)
    }

    @Test func aDayAtAMillionRequestsASecondDoesNotOverflow() {
        let schedule = RateSchedule(rate: 1_000_000, startNanoseconds: 0)
        let lastOfTheDay = 86_400 * 1_000_000 - 1
        #expect(schedule.intendedTime(of: lastOfTheDay) == 86_400_000_000_000 - 1_000)
        #expect(schedule.dueCount(at: 86_400_000_000_000 - 1) == lastOfTheDay + 1)
    }

    /// 1000 requests/s for 10 s; the server stalls for one second at t = 5 s and then
    /// answers everything that piled up. Measured from the intended send times, the stall
    /// shows in the percentiles as it would to users; measured from when a blocked
    /// closed-loop client actually sent, it almost vanishes (coordinated omission).
    @Test func latencyFromIntendedTimeChargesTheStallToEveryDelayedRequest() {
        let schedule = RateSchedule(rate: 1_000, startNanoseconds: 0)
        let stallStart: UInt64 = 5_000_000_000, stallEnd: UInt64 = 6_000_000_000
        let serviceTime: UInt64 = 1_000_000  // 1 ms when not stalled
        let corrected = RunStats(startNanoseconds: 0)
        let naive = RunStats(startNanoseconds: 0)
        var naiveClock: UInt64 = 0
        for number in 0..<10_000 {
            let intended = schedule.intendedTime(of: number)
            let completed = (intended >= stallStart && intended < stallEnd ? stallEnd : intended) + serviceTime
            corrected.record(.native, intended: intended, completed: completed, status: 200)
            // The naive client sends only when its previous answer is back, and times from then.
            let sent = max(naiveClock, intended)
            guard sent < 10_000_000_000 else { continue }
            let done = (sent >= stallStart && sent < stallEnd ? stallEnd : sent) + serviceTime
            naive.record(.native, intended: sent, completed: done, status: 200)
            naiveClock = done
        }
        let honest = corrected.snapshot.adLatency
        let omitted = naive.snapshot.adLatency
        #expect(honest.totalCount == 10_000)
        #expect(honest.valueAtPercentile(99) >= 800_000)  // µs: a tenth of the requests waited up to a second
        #expect(honest.valueAtPercentile(90) >= 1_000 && honest.valueAtPercentile(90) < 2_000)
        #expect(omitted.valueAtPercentile(99) < 2_000)  // the naive view hides the stall
        #expect(omitted.max >= 990_000)  // except for the one request that saw it
    }
}
