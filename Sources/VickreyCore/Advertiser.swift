/// A buyer of ads. Campaigns of one advertiser never set each other's price.
public struct Advertiser: Hashable, Sendable {
    public static let maximumNameLength = 256
    public var id: AdvertiserID
    public var name: String

    public init(id: AdvertiserID, name: String) {
        self.id = id
        self.name = name
    }
}
