/// A group of fields most values leave at their defaults, kept behind one reference that
/// is absent while every field of the group is at its default: a value without any of them
/// pays one pointer instead of the group's bytes. A box, once made, is never written (a
/// change makes a new one), so copies share it safely; equality and hashing are by value.
struct RarelySet<Group: DefaultedFields>: Hashable, Sendable {
    private var box: Box?

    init(_ group: Group = .defaults) { box = group == .defaults ? nil : Box(group) }

    /// The whole group (its defaults when none is set), borrowed: reading one field copies
    /// no other.
    var group: Group {
        _read {
            if let box { yield box.group } else { yield Group.defaults }
        }
    }

    /// Sets one field; the box goes once the group is back to its defaults.
    mutating func set<Field>(_ field: WritableKeyPath<Group, Field>, _ value: Field) {
        var changed = group
        changed[keyPath: field] = value
        self = Self(changed)
    }

    private final class Box: Hashable, Sendable {
        let group: Group
        init(_ group: Group) { self.group = group }
        static func == (lhs: Box, rhs: Box) -> Bool { lhs === rhs || lhs.group == rhs.group }
        func hash(into hasher: inout Hasher) { group.hash(into: &hasher) }
    }
}

/// Fields with a value that stands for "not set", kept in a `RarelySet`.
protocol DefaultedFields: Hashable, Sendable {
    /// Every field at its default.
    static var defaults: Self { get }
}

extension RarelySet: CustomReflectable {
    /// The group's fields, as a plain struct of them would show (in test failures and `dump`).
    var customMirror: Mirror { Mirror(reflecting: group) }
}
