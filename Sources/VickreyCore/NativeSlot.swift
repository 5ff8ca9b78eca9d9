/// A native placement: the assets an OpenRTB Native 1.2 request asks for (no assets: any
/// native creative, as the native endpoint's `formats: ["native"]` asks). A native creative
/// fits when it can fill every required asset; optional assets are filled when it can.
public struct NativeSlot: Hashable, Sendable {
    public static let maximumAssets = 32

    public var assets: [NativeAssetRequest]

    public init(assets: [NativeAssetRequest] = []) { self.assets = assets }

    /// Nil when `native` fills every required asset, else the first it cannot fill.
    public func refusal(_ native: NativeCreative) -> String? {
        for asset in assets where asset.isRequired && native.fill(asset.kind) == nil {
            return "required asset \(asset.id) (\(asset.kind)) cannot be filled"
        }
        return nil
    }
}

/// One asset of a Native 1.2 request.
public struct NativeAssetRequest: Hashable, Sendable {
    public var id: Int
    public var isRequired: Bool
    public var kind: Kind

    public init(id: Int, isRequired: Bool, kind: Kind) {
        self.id = id
        self.isRequired = isRequired
        self.kind = kind
    }

    /// What the asset is. Sizes and lengths of 0 or absent mean "no limit".
    public enum Kind: Hashable, Sendable, CustomStringConvertible {
        /// A title of at most `maximumLength` characters.
        case title(maximumLength: Int?)
        /// An image: type 1 icon, 3 main; at least `minimumWidth` × `minimumHeight` pixels
        /// (Native 1.2 `wmin`/`hmin`, else `w`/`h`).
        case image(type: Int, minimumWidth: Int?, minimumHeight: Int?)
        /// A data asset: type 1 sponsored by, 2 description, 12 call to action.
        case data(type: Int, maximumLength: Int?)
        /// A video or any asset this server has nothing for.
        case unsupported(String)

        public var description: String {
            switch self {
            case .title(let length): length.map { "title of at most \($0) characters" } ?? "title"
            case .image(let type, let width, let height):
                "image type \(type)" + (width.map { w in " at least \(w)x\(height ?? 0)" } ?? "")
            case .data(let type, let length): "data type \(type)" + (length.map { " of at most \($0) characters" } ?? "")
            case .unsupported(let what): what
            }
        }
    }
}

/// A filled asset's value.
public enum NativeAssetValue: Hashable, Sendable {
    case title(String)
    /// An image URL; the size when the creative declares it (the main image).
    case image(url: String, width: Int?, height: Int?)
    case data(String)
}

extension NativeCreative {
    /// Native 1.2 image types and data types this creative can fill.
    public static let iconImage = 1
    public static let mainImage = 3
    public static let sponsoredData = 1
    public static let descriptionData = 2
    public static let callToActionData = 12

    /// The value this creative gives `kind`, or nil when it has none that fits.
    public func fill(_ kind: NativeAssetRequest.Kind) -> NativeAssetValue? {
        func fitting(_ text: String?, _ limit: Int?) -> String? {
            guard let text else { return nil }
            if let limit, limit > 0, text.count > limit { return nil }
            return text
        }
        switch kind {
        case .title(let length): return fitting(title, length).map(NativeAssetValue.title)
        case .image(Self.mainImage, let width, let height):
            if let width, imageWidth < width { return nil }
            if let height, imageHeight < height { return nil }
            return .image(url: imageURL, width: imageWidth, height: imageHeight)
        case .image(Self.iconImage, _, _): return iconURL.map { .image(url: $0, width: nil, height: nil) }
        case .data(Self.sponsoredData, let length): return fitting(sponsoredBy, length).map(NativeAssetValue.data)
        case .data(Self.descriptionData, let length): return fitting(description, length).map(NativeAssetValue.data)
        case .data(Self.callToActionData, let length): return fitting(callToAction, length).map(NativeAssetValue.data)
        case .image, .data, .unsupported: return nil
        }
    }
}
