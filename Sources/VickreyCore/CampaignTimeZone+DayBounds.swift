extension CampaignTimeZone {
    /// The local day containing `instant`: its number (days since 1970-01-01 on this
    /// zone's calendar) and its first and last-plus-one instants, daylight saving included.
    public func dayBounds(containing instant: Instant) -> (day: Int64, start: Instant, end: Instant) {
        let offset = offsetSeconds(at: instant)
        let day = instant.dayNumber(offsetSeconds: offset)
        func utc(ofLocalMidnight day: Int64) -> Instant {
            let guess = Instant(millisecondsSinceEpoch: day * 86_400_000 - Int64(offset) * 1000)
            // The offset at midnight itself may differ (a transition during the day).
            return Instant(millisecondsSinceEpoch: day * 86_400_000 - Int64(offsetSeconds(at: guess)) * 1000)
        }
        return (day, utc(ofLocalMidnight: day), utc(ofLocalMidnight: day + 1))
    }
}
