/// When each request of an open-loop run is due: request `n` at `n / rate` seconds after
/// the start, whatever happened to the requests before it. Latency is measured from this
/// intended time, so a stalled server is charged for every request it delayed (no
/// coordinated omission), as wrk2 does.
public struct RateSchedule: Hashable, Sendable {
    public let rate: Int
    public let startNanoseconds: UInt64

    public init(rate: Int, startNanoseconds: UInt64) {
        self.rate = max(1, rate)
        self.startNanoseconds = startNanoseconds
    }

    /// The intended send time of request `number`, in nanoseconds on the run's clock:
    /// `start + ⌈number × 10⁹ / rate⌉` (exact, without overflow, for any run length).
    public func intendedTime(of number: Int) -> UInt64 {
        let product = UInt64(number).multipliedFullWidth(by: 1_000_000_000)
        let (quotient, remainder) = UInt64(rate).dividingFullWidth(product)
        return startNanoseconds + quotient + (remainder > 0 ? 1 : 0)
    }

    /// How many requests are due by `now` (requests `0..<dueCount(at:)`), consistent
    /// with `intendedTime(of:)`: request `n` is due exactly from its intended time.
    public func dueCount(at now: UInt64) -> Int {
        guard now >= startNanoseconds else { return 0 }
        let product = (now - startNanoseconds).multipliedFullWidth(by: UInt64(rate))
        return Int(UInt64(1_000_000_000).dividingFullWidth(product).quotient) + 1
    }
}
