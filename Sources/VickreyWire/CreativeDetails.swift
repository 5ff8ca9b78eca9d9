import Foundation
import VickreyCore

/// The video or native part of a creative as stored beside its banner columns: the same
/// JSON as the campaign document's `video` / `native` object, validated by the same code
/// when read back.
public enum CreativeDetails {
    /// Nil for a banner.
    public static func json(of creative: Creative) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data? =
            switch creative.format {
            case .banner: nil
            case .video: creative.video.flatMap { try? encoder.encode(VideoDocument($0)) }
            case .native: creative.native.flatMap { try? encoder.encode(NativeDocument($0)) }
            }
        return data.map { String(decoding: $0, as: UTF8.self) }
    }

    /// `base` (its id, click URL and domains) as a creative of `format` with `json` its
    /// details; nil when they do not make a valid creative.
    public static func creative(format: String, json: String?, base: Creative) -> Creative? {
        guard let format = CreativeFormat(rawValue: format) else { return nil }
        switch format {
        case .banner: return json == nil ? base : nil
        case .video:
            guard let json,
                let document = try? JSONReader.read(VideoDocument.self, from: json.utf8).get(),
                let video = try? document.video(field: "video")
            else { return nil }
            return .video(id: base.id, video, clickURL: base.clickURL, advertiserDomains: base.advertiserDomains)
        case .native:
            guard let json,
                let document = try? JSONReader.read(NativeDocument.self, from: json.utf8).get(),
                let native = try? document.native(field: "native")
            else { return nil }
            return .native(id: base.id, native, clickURL: base.clickURL, advertiserDomains: base.advertiserDomains)
        }
    }
}
