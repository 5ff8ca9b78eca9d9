import Configuration

/// One configuration key of a settings type: its dotted name, how it is read into the
/// settings, and how its value is spelt in `config/vickrey.json` and in the
/// configuration table of `docs/configuration.md`.
///
/// A settings type lists its keys once (`ServerSettings.keys`, `VickreySettings.keys`);
/// its loader reads every key of the list, each falling back to the value the type's
/// own initialiser gives, and a test compares the shipped file and the documented
/// table with `spelling` of a default-constructed value. So a default is written once,
/// on the type, and nothing else can disagree with it unnoticed.
public struct SettingKey<Settings> {
    /// The dotted key (`http.port`).
    public let name: String
    /// Reads the key into `settings`; `settings` holds the default when called.
    let read: (ConfigReader, inout Settings) throws(InvalidSetting) -> Void
    /// The value as the config file and the documentation spell it (`8080`, `var/keys`,
    /// `none` for an unset optional).
    public let spelling: (Settings) -> String

    /// A key read by hand (values that need converting or checking together).
    public init(
        _ name: String, read: @escaping (ConfigReader, inout Settings) throws(InvalidSetting) -> Void,
        spelling: @escaping (Settings) -> String
    ) {
        self.name = name
        self.read = read
        self.spelling = spelling
    }

    /// Reads the key into `settings`.
    public func apply(_ config: ConfigReader, to settings: inout Settings) throws(InvalidSetting) {
        try read(config, &settings)
    }
}

extension SettingKey {
    /// An integer key, refused below `minimum`, above `maximum` or past what its type holds.
    public static func integer<Value: BinaryInteger>(
        _ name: String, _ path: WritableKeyPath<Settings, Value>, minimum: Value? = nil, maximum: Value? = nil
    ) -> SettingKey {
        SettingKey(
            name,
            read: { config, settings throws(InvalidSetting) in
                let number = config.int(forKey: ConfigKey(name), default: Int(settings[keyPath: path]))
                guard let value = Value(exactly: number) else { throw InvalidSetting(key: name, message: "\(number) is out of range") }
                if let minimum, value < minimum { throw InvalidSetting(key: name, message: "must be at least \(minimum), not \(value)") }
                if let maximum, value > maximum { throw InvalidSetting(key: name, message: "must be at most \(maximum), not \(value)") }
                settings[keyPath: path] = value
            },
            spelling: { String($0[keyPath: path]) })
    }

    /// A string key.
    public static func string(_ name: String, _ path: WritableKeyPath<Settings, String>) -> SettingKey {
        SettingKey(
            name,
            read: { config, settings in settings[keyPath: path] = config.string(forKey: ConfigKey(name), default: settings[keyPath: path])
            },
            spelling: { $0[keyPath: path] })
    }

    /// A string key that may be unset; `unset` spells its absence in the documentation
    /// (`none`, or what the code derives instead, such as `HOST-PORT`).
    public static func optionalString(_ name: String, _ path: WritableKeyPath<Settings, String?>, unset: String = "none") -> SettingKey {
        SettingKey(
            name,
            read: { config, settings in
                if let value = config.string(forKey: ConfigKey(name)) { settings[keyPath: path] = value }
            },
            spelling: { $0[keyPath: path] ?? unset })
    }

    /// A boolean key.
    public static func boolean(_ name: String, _ path: WritableKeyPath<Settings, Bool>) -> SettingKey {
        SettingKey(
            name,
            read: { config, settings in settings[keyPath: path] = config.bool(forKey: ConfigKey(name), default: settings[keyPath: path]) },
            spelling: { String($0[keyPath: path]) })
    }

    /// A number key, refused outside `range`.
    public static func number(_ name: String, _ path: WritableKeyPath<Settings, Double>, range: ClosedRange<Double>) -> SettingKey {
        SettingKey(
            name,
            read: { config, settings throws(InvalidSetting) in
                let value = config.double(forKey: ConfigKey(name), default: settings[keyPath: path])
                guard range.contains(value) else {
                    throw InvalidSetting(key: name, message: "must be from \(range.lowerBound) to \(range.upperBound), not \(value)")
                }
                settings[keyPath: path] = value
            },
            spelling: { SettingKey.spell($0[keyPath: path]) })
    }

    /// A number as JSON writes it: `0.1`, and `5` rather than `5.0`.
    public static func spell(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}

/// A setting whose value cannot be used: the executable refuses to start and names it.
public struct InvalidSetting: Error, CustomStringConvertible, Sendable {
    public var key: String
    public var message: String
    public var description: String { "\(key) \(message)" }

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }
}

extension SettingKey {
    /// The same key on a type that holds these settings at `path` (the server's settings
    /// hold the shared ones).
    public func lifted<Outer>(_ path: WritableKeyPath<Outer, Settings>) -> SettingKey<Outer> {
        let read = self.read
        let spelling = self.spelling
        return SettingKey<Outer>(
            name, read: { config, outer throws(InvalidSetting) in try read(config, &outer[keyPath: path]) },
            spelling: { spelling($0[keyPath: path]) })
    }
}

extension SettingKey {
    /// The environment variable that overrides the key, as swift-configuration derives it:
    /// upper case, a word boundary of camel case (a lower-case letter then an upper-case
    /// one) and every other character that is not a letter or digit as `_`
    /// (`http.maxBodyBytes` → `HTTP_MAX_BODY_BYTES`).
    public var environmentName: String {
        var name = ""
        var previous: Character?
        for character in self.name {
            if let previous, previous.isLowercase, character.isUppercase { name.append("_") }
            name += character.isLetter || character.isNumber ? character.uppercased() : "_"
            previous = character
        }
        return name
    }
}
