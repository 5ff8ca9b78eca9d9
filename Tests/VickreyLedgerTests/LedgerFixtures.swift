import Crypto
import Foundation
import VickreyCore
import VickreyLedger

/// A signer with its own fresh key, and events to chain.
struct TestSigner {
    let keyID: String
    let key = Curve25519.Signing.PrivateKey()

    init(_ keyID: String) { self.keyID = keyID }

    var publicKeys: PublicKeySet { PublicKeySet(keys: [keyID: Array(key.publicKey.rawRepresentation)]) }

    func seal(_ event: LedgerEvent, seq: Int64, prevHash: String, serverID: String? = nil) -> LedgerRecord {
        try! LedgerRecord.seal(event, seq: seq, prevHash: prevHash, keyID: keyID, serverID: serverID, signingKey: key)
    }

    /// A chain of `count` records, each after the previous.
    func chain(_ count: Int, startingAt first: Int64 = 1, after prevHash: String = LedgerRecord.genesisHash) -> [LedgerRecord] {
        var records: [LedgerRecord] = []
        var previous = prevHash
        for index in 0..<count {
            let record = seal(LedgerFixtures.event(index), seq: first + Int64(index), prevHash: previous)
            records.append(record)
            previous = record.hash
        }
        return records
    }
}

enum LedgerFixtures {
    static func event(_ index: Int) -> LedgerEvent {
        LedgerEvent(
            kind: index % 3 == 2 ? .click : .impression, billed: index % 5 != 4, reason: index % 5 == 4 ? .dailyBudgetExhausted : nil,
            impressionID: String(format: "%024x", index * 7919 + 1), requestID: "req \"\(index)\", with, commas",
            campaignID: CampaignID(unchecked: "camp-\(index % 4)"), advertiserID: AdvertiserID(unchecked: "adv-\(index % 2)"),
            creativeID: CreativeID(unchecked: "cr-\(index % 4)"), placementID: PlacementID(unchecked: "home_feed"),
            pricing: index % 3 == 2 ? .cpc : .cpm, clearingECPM: Micros(1_234_567 + Int64(index)),
            charge: index % 5 == 4 ? .zero : Nanos(1_234_567 + Int64(index)),
            eventTime: Instant(millisecondsSinceEpoch: 1_795_737_600_000 + Int64(index) * 1_037)
        )
    }

    static func verify(_ records: [LedgerRecord], keys: PublicKeySet, startingAt first: Int64? = 1) -> VerificationFailure? {
        var verifier = LedgerVerifier(keys: keys, startingAt: first)
        for record in records { verifier.check(record) }
        return verifier.firstProblem
    }
}

/// SHA-256 as lowercase hex, computed here with swift-crypto directly (not the library's helper).
enum LedgerHash {
    static func hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}
