import Configuration
import Foundation
import VickreyBudget
import VickreyConfig
import VickreyCore
import VickreyWire
import VickreyYield

extension ServerSettings {
    /// Every configuration key the server reads: the keys it shares with `adctl`, then its
    /// own. Values outside what a key allows are refused at start, naming the key.
    public static var keys: [SettingKey<ServerSettings>] {
        VickreySettings.keys.map { $0.lifted(\.shared) } + [
            .string("http.host", \.host),
            .integer("http.port", \.port, minimum: 0, maximum: 65_535),
            .optionalString("http.publicBaseURL", \.publicBaseURL, unset: "http://HOST:PORT"),
            .integer("http.maxBodyBytes", \.limits.maximumBodyBytes, minimum: 1_024),
            .integer("http.maxPlacements", \.limits.maximumPlacements, minimum: 1),
            .integer("http.idleTimeoutSeconds", \.connections.idleTimeoutSeconds, minimum: 1),
            .integer("http.headerTimeoutSeconds", \.connections.headerTimeoutSeconds, minimum: 1),
            .integer("http.bodyTimeoutSeconds", \.connections.bodyTimeoutSeconds, minimum: 1),
            .integer("http.maxConnectionsPerClient", \.connections.maximumPerClient, minimum: 0),
            SettingKey(
                "ivt.trustedProxies",
                read: { config, settings throws(InvalidSetting) in
                    guard let text = config.string(forKey: "ivt.trustedProxies") else { return }
                    var ranges: [AddressRange] = []
                    for item in text.split(separator: ",") where !item.allSatisfy(\.isWhitespace) {
                        guard let range = AddressRange(String(item)) else {
                            throw InvalidSetting(
                                key: "ivt.trustedProxies",
                                message: "'\(item)' is not an IP address or CIDR block (10.0.0.0/8, 2001:db8::/32)")
                        }
                        ranges.append(range)
                    }
                    settings.trustedProxies = ranges
                }, spelling: { $0.trustedProxies.isEmpty ? "none" : $0.trustedProxies.map(\.description).joined(separator: ",") }),
            .optionalString("ivt.robotsPath", \.ivtRobotsPath, unset: "the default list"),
            .optionalString("ivt.browsersPath", \.ivtBrowsersPath),
            .optionalString("ivt.excludedAddressesPath", \.ivtExcludedAddressesPath),
            .integer("ivt.minimumClickDelayMilliseconds", \.minimumClickDelayMilliseconds, minimum: 0),
            .optionalString("server.id", \.serverID, unset: "HOST-PORT"),
            .integer("lease.ttlSeconds", \.leases.ttlSeconds, minimum: LeasePolicy.minimumTTLSeconds),
            .integer(
                "lease.renewIntervalMilliseconds", \.leases.renewIntervalMilliseconds, minimum: LeasePolicy.minimumRenewIntervalMilliseconds
            ),
            SettingKey(
                "lease.horizonSeconds",
                read: { config, settings throws(InvalidSetting) in
                    let seconds = config.double(
                        forKey: "lease.horizonSeconds", default: Double(settings.leases.horizonMilliseconds) / 1000)
                    guard seconds >= 0.001, seconds <= 86_400 else {
                        throw InvalidSetting(key: "lease.horizonSeconds", message: "must be from 0.001 to 86400, not \(seconds)")
                    }
                    settings.leases.horizonMilliseconds = Int64((seconds * 1000).rounded())
                },
                spelling: { SettingKey<ServerSettings>.spell(Double($0.leases.horizonMilliseconds) / 1000) }),
            .micros("lease.minimumSliceMicros", nanos: \.leases.minimumSlice),
            .micros("lease.maximumSliceMicros", nanos: \.leases.maximumSlice),
            .boolean("demo.seed", \.seedDemoCampaigns),
            .integer("index.pollIntervalMilliseconds", \.pollIntervalMilliseconds, minimum: 10),
            .integer("auction.minimumFloorMicros", \.rules.minimumFloor.value, minimum: 0),
            .integer("auction.incrementMicros", \.rules.increment.value, minimum: 0),
            SettingKey(
                "auction.currency",
                read: { config, settings throws(InvalidSetting) in
                    let code = config.string(forKey: "auction.currency", default: settings.currency).uppercased()
                    guard code.utf8.count == 3, code.utf8.allSatisfy({ (0x41...0x5A).contains($0) }) else {
                        throw InvalidSetting(key: "auction.currency", message: "must be a three-letter ISO 4217 code, not '\(code)'")
                    }
                    settings.currency = code
                }, spelling: { $0.currency }),
            .integer("beacon.impressionTTLSeconds", \.beaconTimeouts.impressionSeconds, minimum: 1),
            .integer("beacon.clickTTLSeconds", \.beaconTimeouts.clickSeconds, minimum: 1),
            .integer("budget.reservationWindowSeconds", \.reservationLimits.windowSeconds, minimum: 1),
            .integer("budget.minimumOpenReservations", \.reservationLimits.minimumOpen, minimum: 1),
            .integer("pacing.updateIntervalSeconds", \.pacing.updateIntervalSeconds, minimum: 1),
            .number("pacing.adjustmentRate", \.pacing.adjustmentRate, range: 0...1),
            .number("pacing.initialPassThrough", \.pacing.initialPassThrough, range: 0...1),
            .number("pacing.minimumPassThrough", \.pacing.minimumPassThrough, range: 0...1),
            SettingKey(
                "pacing.hourlyTrafficWeights",
                read: { config, settings throws(InvalidSetting) in
                    guard let text = config.string(forKey: "pacing.hourlyTrafficWeights") else { return }
                    let weights = text.split(separator: ",", omittingEmptySubsequences: false).map {
                        Double($0.trimmingCharacters(in: .whitespaces))
                    }
                    guard weights.count == 24, weights.allSatisfy({ ($0 ?? -1) >= 0 }), weights.contains(where: { ($0 ?? 0) > 0 }) else {
                        throw InvalidSetting(
                            key: "pacing.hourlyTrafficWeights",
                            message: "must be 24 comma-separated non-negative numbers, at least one above 0, not '\(text)'")
                    }
                    settings.pacing.hourlyTrafficWeights = weights.compactMap { $0 }
                },
                spelling: { $0.pacing.hourlyTrafficWeights.map(SettingKey<ServerSettings>.spell).joined(separator: ",") }),
            .integer("frequencyCap.maximumUsers", \.frequencyCapUsers, minimum: 2),
            .integer("ledger.maximumBatch", \.ledgerMaximumBatch, minimum: 1),
            .integer("ctr.refreshSeconds", \.ctrRefreshSeconds, minimum: 1),
            .integer("experiments.flushMilliseconds", \.experimentFlushMilliseconds, minimum: 50),
            .samplingRate("auctionLog.sampleRate", \.auctionLogSamplePPM),
            .string("auctionLog.path", \.auctionLogPath),
            .integer("auctionLog.maxBytes", \.auctionLogMaximumBytes, minimum: AuctionLog.minimumBytes),
            .integer("auctionLog.keepFiles", \.auctionLogKeptFiles, minimum: 1),
            .samplingRate("requestSample.sampleRate", \.requestSamplePPM),
            .string("requestSample.path", \.requestSamplePath),
            .integer("requestSample.maxBytes", \.requestSampleMaximumBytes, minimum: RequestSample.minimumBytes),
            .integer("requestSample.keepFiles", \.requestSampleKeptFiles, minimum: 1),
            .integer("privacy.vendorID", \.privacy.vendorID, minimum: 0, maximum: TCFConsent.maximumVendorID),
            .integer("currency.maxAgeHours", \.currencyMaximumAgeHours, minimum: 1),
            .integer("auth.maximumFailures", \.authMaximumFailures, minimum: 1),
            SettingKey(
                "ledger.bearerToken",
                read: { config, settings throws(InvalidSetting) in
                    guard let token = config.string(forKey: "ledger.bearerToken", isSecret: true) else { return }
                    guard token != ServerSettings.exampleBillingToken else {
                        throw InvalidSetting(
                            key: "ledger.bearerToken",
                            message: "is the example value an earlier config/vickrey.json shipped, which anyone can read: "
                                + "use a billing API key (adctl apikey create --role billing) or set a secret token of your own")
                    }
                    guard token.count >= ServerSettings.minimumBillingTokenCharacters else {
                        throw InvalidSetting(
                            key: "ledger.bearerToken",
                            message:
                                "must be at least \(ServerSettings.minimumBillingTokenCharacters) characters: it reads the whole ledger")
                    }
                    settings.ledgerBearerToken = token
                }, spelling: { $0.ledgerBearerToken == nil ? "none" : "(secret)" }),
        ]
    }
}

extension SettingKey {
    /// An amount configured in micros and held in nanos (a lease slice's bounds).
    static func micros(_ name: String, nanos path: WritableKeyPath<Settings, Nanos>) -> SettingKey {
        SettingKey(
            name,
            read: { config, settings throws(InvalidSetting) in
                let micros = config.int(forKey: ConfigKey(name), default: Int(settings[keyPath: path].value / 1_000))
                guard micros >= 1, micros <= 1_000_000_000_000 else {
                    throw InvalidSetting(key: name, message: "must be from 1 to 1000000000000 micros, not \(micros)")
                }
                settings[keyPath: path] = Micros(Int64(micros)).nanos
            },
            spelling: { String($0[keyPath: path].value / 1_000) })
    }
}

extension SettingKey<ServerSettings> {
    /// A share of requests from 0 to 1, kept in parts per million.
    static func samplingRate(_ name: String, _ path: WritableKeyPath<ServerSettings, Int64>) -> SettingKey {
        SettingKey(
            name,
            read: { config, settings throws(InvalidSetting) in
                let rate = config.double(forKey: ConfigKey(name), default: Double(settings[keyPath: path]) / 1_000_000)
                guard (0...1).contains(rate) else { throw InvalidSetting(key: name, message: "must be from 0 to 1, not \(rate)") }
                settings[keyPath: path] = Int64((rate * 1_000_000).rounded())
            },
            spelling: { SettingKey<ServerSettings>.spell(Double($0[keyPath: path]) / 1_000_000) })
    }
}
