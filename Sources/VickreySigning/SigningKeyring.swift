import Crypto
import Foundation

/// The server's Ed25519 signing keys, one file per key in a directory outside the
/// database (each `KID.ed25519`, mode 0600, holding the base64 raw private key), plus a
/// `current` file naming the key that signs new records. Rotation adds a key and makes
/// it current; old keys stay so everything they signed remains verifiable.
public struct SigningKeyring: Sendable {
    /// One key. The raw bytes are kept (plain `Sendable` data); the Crypto values are
    /// rebuilt on use, which costs a copy of 32 bytes.
    public struct Key: Sendable {
        public let id: String
        public let rawPrivateKey: Data

        init(id: String, privateKey: Curve25519.Signing.PrivateKey) {
            self.id = id
            self.rawPrivateKey = privateKey.rawRepresentation
        }

        public var privateKey: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: rawPrivateKey) }
        public var publicKey: Curve25519.Signing.PublicKey { privateKey.publicKey }
        /// The 32 raw bytes of the public key (what a JWK's `x` carries).
        public var rawPublicKey: [UInt8] { Array(publicKey.rawRepresentation) }
    }

    public let directory: String
    public private(set) var keys: [String: Key]
    public private(set) var currentID: String

    /// The key that signs now. `currentID` is only ever set to a key of `keys` (loading
    /// refuses a `current` file naming a missing key).
    public var current: Key {
        guard let key = keys[currentID] else { preconditionFailure("current key \(currentID) is not in the keyring") }
        return key
    }

    /// Loads the keyring, creating the directory and a first key when there is none.
    /// Returns whether a key was created.
    public static func loadOrCreate(directory: String) throws -> (SigningKeyring, created: Bool) {
        if let existing = try load(directory: directory) { return (existing, false) }
        var keyring = SigningKeyring(directory: directory, keys: [:], currentID: "")
        try keyring.rotate()
        return (keyring, true)
    }

    /// Loads the keyring; nil when the directory holds no key yet.
    public static func load(directory: String) throws -> SigningKeyring? {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var keys: [String: Key] = [:]
        for file in files where file.hasSuffix(".ed25519") {
            let id = String(file.dropLast(".ed25519".count))
            let text = try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let raw = Data(base64Encoded: text), let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
                throw KeyringError("key file \(directory)/\(file) is not a base64 Ed25519 private key")
            }
            keys[id] = Key(id: id, privateKey: key)
        }
        guard !keys.isEmpty else { return nil }
        let named = (try? String(contentsOfFile: "\(directory)/current", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        let currentID = named.flatMap { keys[$0] == nil ? nil : $0 } ?? keys.keys.sorted().last!
        return SigningKeyring(directory: directory, keys: keys, currentID: currentID)
    }

    /// Creates a new key, writes it with mode 0600 and makes it current.
    @discardableResult
    public mutating func rotate(now: Date = Date()) throws -> Key {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let privateKey = Curve25519.Signing.PrivateKey()
        let fingerprint = SHA256.hash(data: privateKey.publicKey.rawRepresentation).prefix(4).map { String(format: "%02x", $0) }.joined()
        let stamp = Self.stampFormatter.string(from: now)
        let id = "k\(stamp)-\(fingerprint)"
        let path = "\(directory)/\(id).ed25519"
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data((privateKey.rawRepresentation.base64EncodedString() + "\n").utf8),
                attributes: [.posixPermissions: 0o600]
            )
        else { throw KeyringError("cannot write \(path)") }
        try Data((id + "\n").utf8).write(to: URL(fileURLWithPath: "\(directory)/current"), options: .atomic)
        let key = Key(id: id, privateKey: privateKey)
        keys[id] = key
        currentID = id
        return key
    }

    /// Keys by id, oldest first (ids start with their UTC creation time).
    public var orderedKeys: [Key] { keys.sorted { $0.key < $1.key }.map(\.value) }

    private static let stampFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMddHHmmss"
        return formatter
    }()
}

/// A keyring file problem.
public struct KeyringError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
