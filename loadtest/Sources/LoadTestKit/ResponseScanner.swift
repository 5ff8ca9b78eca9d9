/// Finds what the generator needs in an ad response without decoding its JSON: the
/// beacon paths of each ad (the native API's `impression_url` and `click_url`, OpenRTB's
/// `nurl`/`burl`, which both carry the impression URL).
public enum ResponseScanner {
    static let impressionMarker = Array("/v1/beacons/impression/".utf8)
    static let clickMarker = Array("/v1/beacons/click/".utf8)

    /// The distinct impression and click paths, in order of appearance.
    public static func beaconPaths(in body: [UInt8]) -> (impressions: [String], clicks: [String]) {
        (paths(after: impressionMarker, in: body), paths(after: clickMarker, in: body))
    }

    static func paths(after marker: [UInt8], in body: [UInt8]) -> [String] {
        var found: [String] = []
        var index = 0
        let count = body.count
        outer: while index + marker.count <= count {
            for offset in 0..<marker.count where body[index + offset] != marker[offset] {
                index += 1
                continue outer
            }
            var end = index + marker.count
            while end < count, body[end] != UInt8(ascii: "\""), body[end] != UInt8(ascii: "\\"), body[end] != UInt8(ascii: "<") { end += 1 }
            let path = String(decoding: body[index..<end], as: UTF8.self)
            if found.last != path, !found.contains(path) { found.append(path) }
            index = end
        }
        return found
    }
}
