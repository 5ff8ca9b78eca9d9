import Crypto
import Foundation
import VickreyCore
import VickreyLedger
import VickreySigning
import VickreyStore

// The ledger's costs, measured in one run on one machine:
//   1. sealing (SHA-256 + Ed25519 signature) and verifying one record; the chains verifier
//      one record at a time and in batches on every core; and the ceiling of any verifier
//      here, the records' Ed25519 signatures alone on one core and on every core;
//   2. durable appends (synchronous=FULL) from many concurrent beacons, with group
//      commit (up to 512 records per transaction) beside one transaction per beacon.
//
//   swift run -c release --package-path Benchmarks ledger-bench [events] [concurrency]

let arguments = CommandLine.arguments.dropFirst()
let events = arguments.first.flatMap(Int.init) ?? 20_000
let concurrency = arguments.dropFirst().first.flatMap(Int.init) ?? 64
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let keyring = try SigningKeyring.loadOrCreate(directory: directory.appendingPathComponent("keys").path).0

func event(_ index: Int) -> LedgerEvent {
    LedgerEvent(
        kind: .impression, billed: true, reason: nil, impressionID: String(format: "%024x", index), requestID: "r-\(index)",
        campaignID: CampaignID(unchecked: "c-\(index % 100)"), advertiserID: AdvertiserID(unchecked: "a-\(index % 10)"),
        creativeID: CreativeID(unchecked: "cr"), placementID: PlacementID(unchecked: "home_feed"), pricing: .cpm,
        clearingECPM: Micros(1_234_567), charge: Nanos(1_234_567),
        eventTime: Instant(millisecondsSinceEpoch: 1_795_737_600_000 + Int64(index))
    )
}

func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }

// 1. Seal and verify.
let key = keyring.current.privateKey
let clock = ContinuousClock()
var records: [LedgerRecord] = []
records.reserveCapacity(events)
var previous = LedgerRecord.genesisHash
let sealTime = try clock.measure {
    for index in 0..<events {
        let record = try LedgerRecord.seal(
            event(index), seq: Int64(index + 1), prevHash: previous, keyID: keyring.currentID, signingKey: key)
        previous = record.hash
        records.append(record)
    }
}
var verifier = LedgerVerifier(keys: PublicKeySet(keys: [keyring.currentID: keyring.current.rawPublicKey]))
let verifyTime = clock.measure {
    for record in records { verifier.check(record) }
}
precondition(verifier.problems.isEmpty, "\(verifier.problems.prefix(3))")
print("seal (hash + Ed25519 sign) per record:   \(String(format: "%.1f", seconds(sealTime) / Double(events) * 1e6)) µs")
print("verify (hash + chain + Ed25519) per record: \(String(format: "%.1f", seconds(verifyTime) / Double(events) * 1e6)) µs")

// The same records through the chains verifier, one at a time and in batches whose hashes
// and signatures are checked on every core (as `adctl ledger verify` and the load-test
// harness's invariant check do), alternating, three rounds each.
let publicKeys = PublicKeySet(keys: [keyring.currentID: keyring.current.rawPublicKey])
for round in 1...3 {
    var serial = LedgerChainsVerifier(keys: publicKeys)
    let serialTime = clock.measure { for record in records { serial.check(record) } }
    var batched = LedgerChainsVerifier(keys: publicKeys)
    let batchedTime = clock.measure {
        for start in stride(from: 0, to: records.count, by: 16_384) {
            batched.check(batch: Array(records[start..<min(records.count, start + 16_384)]))
        }
    }
    precondition(serial.problems.isEmpty && batched.problems.isEmpty && batched.verifiedCount == events)
    print(
        "round \(round): chains verifier, one at a time \(Int(Double(events) / seconds(serialTime))) records/s; in batches on every core \(Int(Double(events) / seconds(batchedTime))) records/s"
    )
}

// The ceiling of those figures on this machine: the same records' Ed25519 signatures and
// nothing else (no parsing, field checks, hashes or chains), on one core and then on every
// core, three rounds. No verifier of these records can be faster than this.
do {
    let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: keyring.current.rawPublicKey)
    let signed = records.map { record in (bytes: record.canonicalBytes, signature: Base64URL.decodeCanonical(record.signature)!) }
    for round in 1...3 {
        let oneCore = clock.measure {
            for item in signed { precondition(publicKey.isValidSignature(item.signature, for: item.bytes)) }
        }
        let everyCore = clock.measure {
            let raw = keyring.current.rawPublicKey
            let valid = ParallelMap.mapChunks(signed) { chunk in
                let key = try! Curve25519.Signing.PublicKey(rawRepresentation: raw)  // not Sendable: one per chunk of 512
                return chunk.map { item in key.isValidSignature(item.signature, for: item.bytes) }
            }
            precondition(valid.allSatisfy { $0 })
        }
        print(
            "round \(round): Ed25519 verifications alone, one core \(Int(Double(events) / seconds(oneCore)))/s; on every core (\(ParallelMap.cores)) \(Int(Double(events) / seconds(everyCore)))/s"
        )
    }
}

// 2. Durable appends.
func appendRate(maximumBatch: Int, count: Int, label: String) async throws -> Double {
    let ledger = try await Store.open(.sqlite(path: directory.appendingPathComponent("\(label).sqlite").path)).ledger
    try await ledger.requireDurableCommits()
    let writer = LedgerWriter(store: ledger, maximumBatch: maximumBatch) {
        LedgerSigningKey(id: keyring.currentID, rawPrivateKey: keyring.current.rawPrivateKey)
    }
    let running = Task { await writer.run() }
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for lane in 0..<concurrency {
            group.addTask {
                for index in stride(from: lane, to: count, by: concurrency) { _ = try await writer.append(event(index)) }
            }
        }
        try await group.waitForAll()
    }
    let elapsed = seconds(ContinuousClock.now - start)
    writer.close()
    await running.value
    let written = try await ledger.count(chain: nil)
    precondition(written == count)
    let rate = Double(count) / elapsed
    print(
        "\(label): \(count) durable appends from \(concurrency) concurrent beacons in \(String(format: "%.2f", elapsed)) s = \(Int(rate)) /s (\(writer.committedBatches) transactions)"
    )
    return rate
}

let single = try await appendRate(maximumBatch: 1, count: min(events, 4_000), label: "one transaction per beacon")
let grouped = try await appendRate(maximumBatch: 512, count: events, label: "group commit (≤ 512 per transaction)")
print("group commit / one-per-beacon: \(String(format: "%.1f", grouped / single))×")

// Where a seal's time goes (same run).
do {
    let sample = event(1)
    let n = 5_000
    let raw = keyring.current.rawPrivateKey
    let bytes = LedgerRecord(seq: 1, event: sample, prevHash: LedgerRecord.genesisHash, hash: "", keyID: keyring.currentID, signature: "")
        .canonicalBytes
    let canonical = clock.measure {
        for _ in 0..<n {
            _ = LedgerRecord(seq: 1, event: sample, prevHash: LedgerRecord.genesisHash, hash: "", keyID: "k", signature: "").canonicalBytes
        }
    }
    let keyBuild = try clock.measure { for _ in 0..<n { _ = try Curve25519.Signing.PrivateKey(rawRepresentation: raw) } }
    let sign = try clock.measure { for _ in 0..<n { _ = try key.signature(for: bytes) } }
    let hash = clock.measure { for _ in 0..<n { _ = SHA256.hash(data: bytes) } }
    func us(_ d: Duration) -> String { String(format: "%.2f µs", seconds(d) / Double(n) * 1e6) }
    print(
        "  canonical bytes \(us(canonical)), SHA-256 \(us(hash)), Ed25519 sign \(us(sign)), private key from raw bytes \(us(keyBuild)) (\(bytes.count)-byte message)"
    )
}
