import Crypto
import Foundation
import Testing
import VickreyCore
import VickreySigning

@Suite("Beacon tokens and the signing keyring")
struct BeaconTokenTests {
    /// Removes this test's key directories when the test ends.
    final class TemporaryKeys {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        deinit {
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: path + "-other")
        }
    }

    let keys = TemporaryKeys()
    var directory: String { keys.path }
    static let now = Instant(secondsSinceEpoch: 1_795_000_000)

    static func token(expiresIn seconds: Int64 = 3600) -> BeaconToken {
        BeaconToken(
            ad: SoldAd(
                impressionID: "0123456789abcdef01234567", requestID: "req-1", placementID: PlacementID("home_feed")!,
                campaignID: CampaignID("summer-sale-1")!, advertiserID: AdvertiserID("acme")!, creativeID: CreativeID("cr-1")!,
                pricing: .cpc, clearingECPM: Micros(910_000)
            ),
            price: Micros(72_800), issuedAt: now, expiresAt: now.adding(seconds: seconds),
            isTest: false
        )
    }

    @Test func impressionIDsAreDistinctHexFromOneProcess() {
        let now = Instant(millisecondsSinceEpoch: 1_780_000_000_123)
        let ids = (0..<20_000).map { _ in ImpressionID.new(at: now) }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.utf8.count == 24 && $0.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) } })
        // Every id of one millisecond starts with that millisecond.
        #expect(ids.allSatisfy { $0.hasPrefix("19e7044887b") })
    }

    @Test func laterIDsSortAfterEarlierOnes() {
        let times = [0, 1, 999, 1_000, 1_780_000_000_000, 1_780_000_000_001, 1_780_000_060_000]
        let ids = times.map { ImpressionID.new(at: Instant(millisecondsSinceEpoch: Int64($0))) }
        #expect(ids == ids.sorted())
    }

    @Test(arguments: [
        (UInt64(0), UInt64(0), "000000000000000000000000"),
        (0x19e_7bd5_8a1b, 0x0_0123_4567_89ab, "19e7bd58a1b00123456789ab"),
        // The milliseconds are clamped to 44 bits; the sequence keeps its low 52.
        (UInt64.max, UInt64.max, "fffffffffffffffffffffff" + "f"),
        (0x0ff_ffff_ffff, 0xfff0_0000_0000_0001, "0ffffffffff0000000000001"),
    ])
    func anImpressionIDSpellsItsTimeThenItsSequence(milliseconds: UInt64, sequence: UInt64, expected: String) {
        #expect(ImpressionID.spelling(milliseconds: milliseconds, sequence: sequence) == expected)
    }

    @Test func theSequenceMixerIsABijectionOnItsBits() {
        // Distinct inputs below 2^52 give distinct outputs below 2^52 (spot check over a
        // stride that wraps the counter's low bits many times).
        let inputs = (0..<50_000).map { UInt64($0) &* 0x9e37_79b9_7f4a_7c15 & ImpressionIDGenerator.mask }
        let outputs = inputs.map(ImpressionIDGenerator.mix)
        #expect(Set(outputs).count == Set(inputs).count)
        #expect(outputs.allSatisfy { $0 <= ImpressionIDGenerator.mask })
    }

    @Test func aTokenRoundTripsEveryField() throws {
        let (keyring, created) = try SigningKeyring.loadOrCreate(directory: directory)
        #expect(created)
        let codec = BeaconTokenCodec(keyring: keyring)
        let text = codec.encode(Self.token())
        #expect(text.utf8.allSatisfy { $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "=") })
        #expect(try codec.decode(text, now: Self.now).get() == Self.token())
    }

    /// An ad sold inside an experiment carries its experiment, arm and unit bucket to its
    /// beacons (version 4), and any change to them is refused like any other byte.
    @Test func anExperimentArmRoundTripsAndIsAuthenticated() throws {
        let (keyring, _) = try SigningKeyring.loadOrCreate(directory: directory)
        let codec = BeaconTokenCodec(keyring: keyring)
        var token = Self.token()
        token.ad.experiment = ExperimentTag(experimentID: ExperimentID("floors-q4")!, arm: ArmName("high-floor")!, bucket: 127)
        let text = codec.encode(token)
        #expect(try codec.decode(text, now: Self.now).get() == token)
        var bytes = Base64URL.decode(text)!
        let arm = Array("high-floor".utf8)
        let at = (0...(bytes.count - arm.count)).first { Array(bytes[$0..<($0 + arm.count)]) == arm }!
        bytes.replaceSubrange(at..<(at + 4), with: Array("low-".utf8))
        #expect(throws: BeaconTokenCodec.Rejection.forged) { try codec.decode(Base64URL.encode(bytes), now: Self.now).get() }
    }

    /// Tokens minted before version 3 (one length byte per string) are still in ads
    /// served before an upgrade: they must still verify and decode to the same token.
    @Test func aVersion2TokenStillDecodes() throws {
        let (keyring, _) = try SigningKeyring.loadOrCreate(directory: directory)
        let token = Self.token()
        var payload: [UInt8] = [2, 2]  // version 2; flags: CPC, not a test
        func varint(_ value: UInt64) {
            var rest = value
            while rest >= 0x80 {
                payload.append(UInt8(rest & 0x7F) | 0x80)
                rest >>= 7
            }
            payload.append(UInt8(rest))
        }
        for value in [token.issuedAt.secondsSinceEpoch, token.expiresAt.secondsSinceEpoch, token.clickExpiresAt.secondsSinceEpoch] {
            varint(UInt64(value))
        }
        varint(token.reservationID)
        varint(UInt64(token.ad.clearingECPM.value))
        varint(UInt64(token.price.value))
        let ad = token.ad
        for text in [
            ad.impressionID, ad.requestID, ad.placementID.rawValue, ad.campaignID.rawValue, ad.advertiserID.rawValue,
            ad.creativeID.rawValue, keyring.currentID,
        ] {
            payload.append(UInt8(text.utf8.count))
            payload.append(contentsOf: text.utf8)
        }
        // The MAC as version 2 made it: HMAC-SHA256 under the HKDF-derived key, first 16 bytes.
        let macKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: keyring.current.rawPrivateKey), info: Data("vickrey beacon token v1".utf8),
            outputByteCount: 32)
        payload.append(contentsOf: Array(HMAC<SHA256>.authenticationCode(for: payload, using: macKey)).prefix(16))
        let decoded = try BeaconTokenCodec(keyring: keyring).decode(Base64URL.encode(payload), now: Self.now).get()
        #expect(decoded == token)
    }

    @Test func changingAnySingleByteIsRejected() throws {
        let codec = BeaconTokenCodec(keyring: try SigningKeyring.loadOrCreate(directory: directory).0)
        let bytes = Base64URL.decode(codec.encode(Self.token()))!
        for index in bytes.indices {
            for flip: UInt8 in [0x01, 0x80] {
                var altered = bytes
                altered[index] ^= flip
                guard case .failure = codec.decode(Base64URL.encode(altered), now: Self.now) else {
                    Issue.record("byte \(index) changed and the token still verified")
                    return
                }
            }
        }
        #expect(
            codec.decode(String(codec.encode(Self.token()).dropLast(3)), now: Self.now) == .failure(.forged)
                || codec.decode(String(codec.encode(Self.token()).dropLast(3)), now: Self.now) == .failure(.malformed))
        #expect(codec.decode("not a token!", now: Self.now) == .failure(.malformed))
    }

    @Test func expiredTokensAreRejected() throws {
        let codec = BeaconTokenCodec(keyring: try SigningKeyring.loadOrCreate(directory: directory).0)
        let text = codec.encode(Self.token(expiresIn: 60))
        #expect((try? codec.decode(text, now: Self.now.adding(seconds: 59)).get()) != nil)
        #expect(codec.decode(text, now: Self.now.adding(seconds: 60)) == .failure(.expired))
    }

    @Test func aTokenFromAnotherServerIsRejected() throws {
        let ours = BeaconTokenCodec(keyring: try SigningKeyring.loadOrCreate(directory: directory).0)
        let theirs = BeaconTokenCodec(keyring: try SigningKeyring.loadOrCreate(directory: directory + "-other").0)
        #expect(ours.decode(theirs.encode(Self.token()), now: Self.now) == .failure(.unknownKey))
    }

    @Test func rotationKeepsOldKeysSoOldTokensVerify() throws {
        var (keyring, _) = try SigningKeyring.loadOrCreate(directory: directory)
        let oldText = BeaconTokenCodec(keyring: keyring).encode(Self.token())
        let old = keyring.currentID
        try keyring.rotate(now: Date().addingTimeInterval(5))
        #expect(keyring.currentID != old)
        let reloaded = try #require(try SigningKeyring.load(directory: directory))
        #expect(reloaded.currentID == keyring.currentID)
        #expect(reloaded.keys.count == 2)
        // A token minted under the old key still verifies after the rotation; new ones use the new key.
        let rotated = BeaconTokenCodec(keyring: reloaded)
        #expect((try? rotated.decode(oldText, now: Self.now).get()) == Self.token())
        let newText = rotated.encode(Self.token())
        #expect(newText != oldText)
        #expect((try? BeaconTokenCodec(keyring: keyring).decode(newText, now: Self.now).get()) == Self.token())
    }

    @Test func keyFilesAreReadableByTheOwnerOnly() throws {
        let (keyring, _) = try SigningKeyring.loadOrCreate(directory: directory)
        let attributes = try FileManager.default.attributesOfItem(atPath: "\(directory)/\(keyring.currentID).ed25519")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try SigningKeyring.loadOrCreate(directory: directory).created == false)
    }
}

@Suite("Beacon token validity per kind")
struct BeaconTokenKindTests {
    @Test func theClickURLOutlivesTheImpressionURLAndTheReservationRoundTrips() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("token-kind-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let codec = BeaconTokenCodec(keyring: try SigningKeyring.loadOrCreate(directory: directory).0)
        var token = BeaconTokenTests.token(expiresIn: 60)
        token.clickExpiresAt = BeaconTokenTests.now.adding(seconds: 600)
        token.reservationID = 0xFEED_FACE_CAFE_BEEF
        let text = codec.encode(token)
        let later = BeaconTokenTests.now.adding(seconds: 61)
        #expect(codec.decode(text, kind: .impression, now: later) == .failure(.expired))
        let click = try codec.decode(text, kind: .click, now: later).get()
        #expect(click.reservationID == 0xFEED_FACE_CAFE_BEEF)
        #expect(codec.decode(text, kind: .click, now: BeaconTokenTests.now.adding(seconds: 600)) == .failure(.expired))
    }
}
