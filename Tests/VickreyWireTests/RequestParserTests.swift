import Testing
import VickreyCore
import VickreyWire

/// The two ad-request parsers, one bad field at a time: each is refused with the path of
/// the field at fault and a message a caller can act on; nothing is ignored silently on
/// the native API, and nothing a caller controls is unbounded.
@Suite("Ad request parsers: every refusal names its field")
struct RequestParserTests {
    static let limits = RequestLimits()

    static func nativeError(_ json: String) -> FieldError? {
        if case .failure(let error) = NativeAdRequest.decode(Array(json.utf8), limits: limits) { return error }
        return nil
    }

    static func openRTBError(_ json: String) -> FieldError? {
        if case .failure(let error) = OpenRTBRequest.decode(Array(json.utf8), limits: limits) { return error }
        return nil
    }

    @Test(arguments: [
        (#"{"placements":[{"id":"home_feed","size":["300x250"]}]}"#, "placements[0].size", "did you mean 'sizes'?"),
        (#"{"placements":[{"id":"p"}],"keyword":["x"]}"#, "keyword", "did you mean 'keywords'?"),
        (#"{"placements":[{"id":"p"}],"device":{"type":"mobile","oss":"ios"}}"#, "device.oss", "did you mean 'os'?"),
        (#"{"placements":[{"id":"p"}],"user":{"uid":"u"}}"#, "user.uid", "is not a field here"),
        (#"{"placements":[{"id":"p"}],"geo":{"country":"US","city":"Paris"}}"#, "geo.city", "is not a field here"),
        (#"{"placements":[{"id":"p"}],"privacy":{"gdpr":1,"consnet":"x"}}"#, "privacy.consnet", "did you mean 'consent'?"),
        (#"{"placements":[{"id":"p","deals":[{"id":"d","floor":1}]}]}"#, "placements[0].deals[0].floor", "did you mean 'floor_micros'?"),
        (#"{"placements":[]}"#, "placements", "at least one"),
        (#"{"request_id":"r"}"#, "placements", "is required"),
        (#"{"placements":[{"sizes":["300x250"]}]}"#, "placements[0].id", "is required"),
        (#"{"placements":[{"id":"home feed"}]}"#, "placements[0].id", "not a placement id"),
        (#"{"placements":[{"id":"p"},{"id":"p"}]}"#, "placements[1].id", "appears twice"),
        (#"{"placements":[{"id":"p","sizes":["300*250"]}]}"#, "placements[0].sizes[0]", "not a size"),
        (#"{"placements":[{"id":"p","floor_micros":-1}]}"#, "placements[0].floor_micros", "between 0 and"),
        (#"{"placements":[{"id":"p"}],"request_id":""}"#, "request_id", "must not be empty"),
        (#"{"placements":[{"id":"p"}],"request_id":"a\u0007b"}"#, "request_id", "control characters (found U+0007)"),
        (#"{"placements":[{"id":"p"}],"device":{"type":"phone"}}"#, "device.type", "not one of"),
        (#"{"placements":[{"id":"p"}],"geo":{"country":"XX1"}}"#, "geo.country", "not an ISO 3166-1"),
        (#"{"placements":[{"id":"p"}],"keywords":[""]}"#, "keywords[0]", "1–64 characters"),
        (#"{"placements":[{"id":"p"}],"debug":"yes"}"#, "debug", "true or false"),
        (#"{"placements":[{"id":"p"}],"debug":true,"debug":false}"#, "debug", "appears twice"),
        (#"{"placements":[{"id":"p","id":"q"}]}"#, "placements[0].id", "appears twice"),
    ])
    func aBadNativeRequestIsRefusedNamingTheField(json: String, field: String, message: String) throws {
        let error = try #require(Self.nativeError(json), "\(json) was accepted")
        #expect(error.field == field, "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }

    @Test func theNativeRequestsListsAreBounded() throws {
        let placements = (0...Self.limits.maximumPlacements).map { #"{"id":"p\#($0)"}"# }.joined(separator: ",")
        let error = try #require(Self.nativeError(#"{"placements":[\#(placements)]}"#))
        #expect(error.field == "placements")
        let keywords = (0...Self.limits.maximumKeywords).map { #""k\#($0)""# }.joined(separator: ",")
        #expect(Self.nativeError(#"{"placements":[{"id":"p"}],"keywords":[\#(keywords)]}"#)?.field == "keywords")
    }

    @Test func aWellFormedNativeRequestParsesExactly() throws {
        let request = try NativeAdRequest.decode(
            Array(
                #"{"request_id":"r-1","user":{"id":"u-1"},"device":{"type":"mobile","os":"ios"},"geo":{"country":"USA"},"keywords":["recipes"],"placements":[{"id":"home_feed","sizes":["300x250"],"floor_micros":500000}],"debug":false}"#
                    .utf8), limits: Self.limits
        ).get()
        #expect(request.requestID == "r-1" && request.userID == "u-1")
        #expect(request.device == .mobile && request.operatingSystem == .ios && request.country == CountryCode("US"))
        #expect(request.placements.map(\.id.rawValue) == ["home_feed"])
        #expect(request.placements[0].floor == Micros(500_000))
    }

    @Test(arguments: [
        (#"{"imp":[{"id":"1","banner":{"w":300,"h":250}}]}"#, "id", "is required"),
        (#"{"id":"","imp":[{"id":"1","banner":{"w":300,"h":250}}]}"#, "id", "must not be empty"),
        (#"{"id":"r\u0001","imp":[{"id":"1","banner":{"w":300,"h":250}}]}"#, "id", "control characters"),
        (#"{"id":"r","imp":[]}"#, "imp", ""),
        (#"{"id":"r","imp":[{"banner":{"w":300,"h":250}}]}"#, "imp[0].id", "is required"),
        (#"{"id":"r","imp":[{"id":"1"}]}"#, "imp[0]", "at least one of banner, video, audio or native"),
        (#"{"id":"r","imp":[{"id":"1","banner":{}}]}"#, "imp[0].banner", "has no sizes"),
        (#"{"id":"r","imp":[{"id":"1","banner":{"w":0,"h":250}}]}"#, "imp[0].banner.w", "positive"),
        (#"{"id":"r","imp":[{"id":"1","banner":{"w":300,"h":250},"bidfloor":-0.5}]}"#, "imp[0].bidfloor", "zero or more"),
        (#"{"id":"r","imp":[{"id":"1","banner":{"w":300,"h":250}},{"id":"1","banner":{"w":300,"h":250}}]}"#, "imp[1].id", "unique"),
        (#"{"id":"r","imp":[{"id":"1","banner":{"w":300,"h":250}}],"tmax":-1}"#, "tmax", "zero or more"),
        (#"{"id":"r","imp":[{"id":"1","banner":{"w":300,"h":250}}],"test":2}"#, "test", "0 or 1"),
        (#"{"id":"r","imp":[{"id":"1","banner":{"w":300,"h":250}}],"site":{},"app":{}}"#, "app", "only one of site, app and dooh"),
        (#"{"id":"r","id":"s","imp":[{"id":"1","banner":{"w":300,"h":250}}]}"#, "id", "appears twice"),
    ])
    func aBadOpenRTBRequestIsRefusedNamingTheField(json: String, field: String, message: String) throws {
        let error = try #require(Self.openRTBError(json), "\(json) was accepted")
        #expect(error.field == field, "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }

    /// OpenRTB is liberal where the standard is: extensions and fields Vickrey does not
    /// read are normal, and ignored.
    @Test func openRTBExtensionsAndUnreadFieldsAreAccepted() throws {
        let json =
            #"{"id":"r","imp":[{"id":"1","banner":{"w":300,"h":250},"ext":{"prebid":{"bidder":{"x":1}}},"instl":0}],"ext":{"anything":[1,2]},"source":{"tid":"t"}}"#
        #expect(Self.openRTBError(json) == nil)
    }
}
