import VickreyCore

/// Reads OpenRTB `imp.video` and `imp.native` into the slots the auction matches video and
/// native creatives against. Values a buyer would read wrongly are refused naming the
/// field (negative durations or bitrates, a `minduration` above `maxduration`, a native
/// a `skip` that is not 0 or 1); unknown fields are skipped, as OpenRTB extensions are
/// normal. Numbers may have fractions (the OpenRTB schema types them as numbers): minimums
/// round up, maximums and sizes down. An `imp.native` that does not hold a Native request
/// (not an object, a request string that is not JSON, no `assets`, an asset id twice, a
/// field of the wrong type) leaves the imp without a native slot: its other formats are
/// still auctioned, as exchanges send such natives on imps that are not native at heart.
enum OpenRTBMediaFields {
    static let maximumMimes = 32
    static let maximumProtocols = 32
    /// The longest native request string read (Native 1.2 requests are a few hundred bytes).
    static let maximumNativeRequestBytes = 16 * 1024

    static func video(_ reader: inout JSONReader) throws(FieldError) -> VideoSlot {
        var slot = VideoSlot()
        try reader.readObject { reader, field throws(FieldError) in
            switch field {
            case "mimes":
                if try reader.readNull() { return }
                try reader.readArray(maximumCount: maximumMimes) { reader, _ throws(FieldError) in
                    slot.mimes.append(try reader.readString(maximumCharacters: 128))
                }
            case "minduration": slot.minimumDuration = try count(&reader, roundingUp: true)
            case "maxduration": slot.maximumDuration = try count(&reader)
            case "protocols":
                if try reader.readNull() { return }
                var protocols: [Int] = []
                try reader.readArray(maximumCount: maximumProtocols) { reader, _ throws(FieldError) in
                    protocols.append(Int(clamping: try reader.readInteger()))
                }
                slot.protocols = protocols
            case "protocol":  // OpenRTB 2.2's single value, still sent by some exchanges
                if try reader.readNull() { return }
                let value = Int(clamping: try reader.readInteger())
                slot.protocols = (slot.protocols ?? []) + [value]
            case "skip":
                if try reader.readNull() { return }
                let skip = try reader.readInteger()
                guard skip == 0 || skip == 1 else { throw reader.fieldError("must be 0 or 1") }
                slot.skip = skip == 1
            case "skipmin": slot.skipMinimum = try count(&reader)
            case "minbitrate": slot.minimumBitrate = try count(&reader, roundingUp: true)
            case "maxbitrate": slot.maximumBitrate = try count(&reader)
            case "sequence": _ = try count(&reader)
            case "w": slot.width = try count(&reader)
            case "h": slot.height = try count(&reader)
            case "battr":
                if try reader.readNull() { return }
                try reader.readArray(maximumCount: 64) { reader, _ throws(FieldError) in
                    if try reader.readInteger() == 16 { slot.blocksSkippable = true }
                }
            case "startdelay", "plcmt", "placement", "linearity", "skipafter", "maxextended", "boxingallowed",
                "playbackmethod", "playbackend", "delivery", "pos", "api", "companiontype", "poddur", "podid", "podseq", "rqddurs",
                "maxseq", "mincpmpersec", "slotinpod":
                try reader.skipValue()  // read by no rule: the creative declares nothing they could restrict
            default: try reader.skipValue()
            }
        }
        if let minimum = slot.minimumDuration, let maximum = slot.maximumDuration, maximum > 0, minimum > maximum {
            throw reader.fieldError("minduration", "\(minimum) is above maxduration \(maximum)")
        }
        return slot
    }

    /// A non-negative number as a whole count (a fraction rounded down, or up for a
    /// minimum), or nil for `null`. Not money: a `Double` is exact enough for seconds and pixels.
    private static func count(_ reader: inout JSONReader, roundingUp: Bool = false) throws(FieldError) -> Int? {
        if try reader.readNull() { return nil }
        let text = try reader.readNumber()
        guard !DecimalText.isNegative(text), let value = Double(text) else { throw reader.fieldError("must be zero or more") }
        let whole = roundingUp ? value.rounded(.up) : value.rounded(.down)
        return whole >= Double(Int.max) ? Int.max : Int(whole)
    }

    /// `imp.native`: its `request` (a string holding the Native request JSON, or the
    /// object itself, either optionally wrapped in `{"native": …}` as Native 1.0 did).
    static func native(_ reader: inout JSONReader) throws(FieldError) -> NativeSlot? {
        var native = JSONReader(try reader.rawValue())
        do throws(FieldError) {
            return try nativeObject(&native)
        } catch {
            return nil
        }
    }

    private static func nativeObject(_ reader: inout JSONReader) throws(FieldError) -> NativeSlot? {
        var slot: NativeSlot?
        try reader.readObject { reader, field throws(FieldError) in
            guard field == "request" else { return try reader.skipValue() }
            if try reader.readNull() { return }
            if reader.nextIsString() {
                let text = try reader.readString(maximumBytes: maximumNativeRequestBytes)
                var inner = JSONReader(Array(text.utf8))
                do throws(FieldError) {
                    slot = try nativeRequest(&inner)
                    try inner.expectEnd()
                } catch {
                    slot = nil
                }
            } else {
                slot = try nativeRequest(&reader)
            }
        }
        return slot.flatMap { $0.assets.isEmpty || Set($0.assets.map(\.id)).count < $0.assets.count ? nil : $0 }
    }

    private static func nativeRequest(_ reader: inout JSONReader) throws(FieldError) -> NativeSlot {
        var slot = NativeSlot()
        var sawAssets = false
        try reader.readObject { reader, field throws(FieldError) in
            switch field {
            case "native":  // Native 1.0's wrapper
                slot = try nativeRequest(&reader)
                sawAssets = true
            case "assets":
                sawAssets = true
                try reader.readArray(maximumCount: NativeSlot.maximumAssets) { reader, _ throws(FieldError) in
                    slot.assets.append(try asset(&reader))
                }
            default: try reader.skipValue()
            }
        }
        return sawAssets ? slot : NativeSlot()
    }

    private static func asset(_ reader: inout JSONReader) throws(FieldError) -> NativeAssetRequest {
        var id: Int?
        var required = false
        var kind: NativeAssetRequest.Kind?
        try reader.readObject { reader, field throws(FieldError) in
            switch field {
            case "id": id = try count(&reader)
            case "required":
                if try reader.readNull() { return }
                let flag = try reader.readInteger()
                guard flag == 0 || flag == 1 else { throw reader.fieldError("must be 0 or 1") }
                required = flag == 1
            case "title":
                var length: Int?
                try reader.readObject { reader, field throws(FieldError) in
                    if field == "len" { length = try count(&reader) } else { try reader.skipValue() }
                }
                kind = .title(maximumLength: length)
            case "img":
                var type = NativeCreative.mainImage
                var (width, height, minimumWidth, minimumHeight): (Int?, Int?, Int?, Int?) = (nil, nil, nil, nil)
                try reader.readObject { reader, field throws(FieldError) in
                    switch field {
                    case "type": type = try count(&reader) ?? NativeCreative.mainImage
                    case "w": width = try count(&reader)
                    case "h": height = try count(&reader)
                    case "wmin": minimumWidth = try count(&reader)
                    case "hmin": minimumHeight = try count(&reader)
                    default: try reader.skipValue()
                    }
                }
                kind = .image(type: type, minimumWidth: minimumWidth ?? width, minimumHeight: minimumHeight ?? height)
            case "data":
                var type: Int?
                var length: Int?
                try reader.readObject { reader, field throws(FieldError) in
                    switch field {
                    case "type": type = try count(&reader)
                    case "len": length = try count(&reader)
                    default: try reader.skipValue()
                    }
                }
                guard let type else { throw reader.fieldError("type", "is required") }
                kind = .data(type: type, maximumLength: length)
            case "video":
                try reader.skipValue()
                kind = .unsupported("video asset")
            default: try reader.skipValue()
            }
        }
        guard let id else { throw reader.fieldError("id", "is required") }
        guard let kind else { throw reader.fieldError("must hold one of title, img, data or video") }
        return NativeAssetRequest(id: id, isRequired: required, kind: kind)
    }
}
