import VickreyCore

/// Reads privacy signals from the places requests carry them: the native `privacy`
/// object, and OpenRTB's `regs`, `user` and `device` (2.6 fields and their 2.5 `ext`
/// places). Strings are bounded; a flag that is not 0 or 1 is refused naming its field.
enum PrivacyFields {
    static let maximumStringCharacters = 4_096
    static let maximumSections = 32

    static func flag(_ reader: inout JSONReader) throws(FieldError) -> Bool? {
        if try reader.readNull() { return nil }
        let value = try reader.readInteger()
        guard value == 0 || value == 1 else { throw reader.fieldError("must be 0 or 1") }
        return value == 1
    }

    static func string(_ reader: inout JSONReader) throws(FieldError) -> String? {
        if try reader.readNull() { return nil }
        return try reader.readString(maximumCharacters: maximumStringCharacters)
    }

    static func sections(_ reader: inout JSONReader) throws(FieldError) -> [Int] {
        if try reader.readNull() { return [] }
        var ids: [Int] = []
        try reader.readArray(maximumCount: maximumSections) { reader, _ throws(FieldError) in
            let id = try reader.readInteger()
            guard (0...1_000).contains(id) else { throw reader.fieldError("must be a GPP section id from 0 to 1000") }
            ids.append(Int(id))
        }
        return ids
    }

    /// The native endpoint's `privacy` object.
    static func native(_ reader: inout JSONReader) throws(FieldError) -> PrivacySignals {
        var signals = PrivacySignals()
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "gdpr": signals.gdpr = try flag(&reader)
            case "coppa": signals.coppa = try flag(&reader) ?? false
            case "consent": signals.consent = try string(&reader)
            case "us_privacy": signals.usPrivacy = try string(&reader)
            case "gpp": signals.gpp = try string(&reader)
            case "gpp_sid": signals.gppSectionIDs = try sections(&reader)
            case "limit_ad_tracking":
                if try reader.readNull() { return }
                signals.limitAdTracking = try reader.readBool()
            default:
                throw reader.unknownField(key, known: ["gdpr", "coppa", "consent", "us_privacy", "gpp", "gpp_sid", "limit_ad_tracking"])
            }
        }
        return signals
    }

    /// OpenRTB `regs` (2.6 fields, and `regs.ext` for 2.5's `gdpr`, `us_privacy`, `gpp`, `gpp_sid`).
    static func regs(_ reader: inout JSONReader, into signals: inout PrivacySignals) throws(FieldError) {
        try reader.readObject { reader, key throws(FieldError) in
            switch key {
            case "coppa": signals.coppa = try flag(&reader) ?? signals.coppa
            case "gdpr": if let value = try flag(&reader) { signals.gdpr = value }
            case "us_privacy": if let value = try string(&reader) { signals.usPrivacy = value }
            case "gpp": if let value = try string(&reader) { signals.gpp = value }
            case "gpp_sid":
                let ids = try sections(&reader)
                if !ids.isEmpty { signals.gppSectionIDs = ids }
            case "ext":
                if try reader.readNull() { return }
                try reader.readObject { reader, key throws(FieldError) in
                    switch key {
                    // The 2.6 field wins when both are present.
                    case "gdpr": if let value = try flag(&reader), signals.gdpr == nil { signals.gdpr = value }
                    case "us_privacy": if let value = try string(&reader), signals.usPrivacy == nil { signals.usPrivacy = value }
                    case "gpp": if let value = try string(&reader), signals.gpp == nil { signals.gpp = value }
                    case "gpp_sid":
                        let ids = try sections(&reader)
                        if signals.gppSectionIDs.isEmpty { signals.gppSectionIDs = ids }
                    default: try reader.skipValue()
                    }
                }
            default: try reader.skipValue()
            }
        }
    }
}
