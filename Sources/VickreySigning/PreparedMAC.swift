import Crypto

/// An `HMAC<SHA256>` keyed once and only ever copied.
///
/// `@unchecked Sendable` because swift-crypto does not mark `HMAC` `Sendable`. It is
/// safe: `prepared` is a `let` never mutated after `init`; users take a copy (a value
/// type) and mutate the copy. The copy's hash states share copy-on-write storage with
/// the original, and the first mutation of a copy finds that storage shared (the
/// original still holds it) and duplicates it first, so the original's storage is only
/// ever read, from any number of threads.
final class PreparedMAC: @unchecked Sendable {
    let prepared: HMAC<SHA256>

    init(key: SymmetricKey) { prepared = HMAC(key: key) }

    /// The MAC of `bytes`, truncated to `BeaconTokenCodec.macBytes`.
    func code(for bytes: [UInt8]) -> [UInt8] {
        var mac = prepared
        bytes.withUnsafeBytes { mac.update(data: $0) }
        return mac.finalize().withUnsafeBytes { Array($0.prefix(BeaconTokenCodec.macBytes)) }
    }
}
