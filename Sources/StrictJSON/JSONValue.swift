/// A parsed JSON value. Numbers keep the distinction between integer literals and the
/// rest, and booleans are never numbers (unlike `JSONSerialization`'s `NSNumber`).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The JSON type's name, for error messages: "null", "boolean", "integer", "number",
    /// "string", "array" or "object".
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case let .number(number): number.isIntegerLiteral ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A JSON number as written.
public enum JSONNumber: Sendable, Equatable {
    /// An integer literal (no fraction, no exponent) that fits in `Int`.
    case integer(Int)
    /// An integer literal too large for `Int`; its approximate value.
    case hugeInteger(Double)
    /// A literal with a fraction or an exponent.
    case float(Double)

    /// Whether the literal was written as an integer.
    public var isIntegerLiteral: Bool {
        switch self {
        case .integer, .hugeInteger: true
        case .float: false
        }
    }

    /// `value` as an `Int` when it is a whole number in range, without calling libm's
    /// `trunc` (this module links nothing beyond the standard library).
    public static func exactInt(_ value: Double) -> Int? {
        guard value >= -0x1p63, value < 0x1p63 else { return nil }
        let integer = Int(value)
        return Double(integer) == value ? integer : nil
    }

    /// The value as a `Double` (approximate for huge integers).
    public var doubleValue: Double {
        switch self {
        case let .integer(value): Double(value)
        case let .hugeInteger(value), let .float(value): value
        }
    }
}

/// A JSON object: its members in document order. Request objects have a handful of
/// keys, so lookups scan the list; objects with many keys also get a hash index.
public struct JSONObject: Sendable, Equatable {
    /// The members in the order they were written.
    public private(set) var members: [(key: String, value: JSONValue)] = []
    /// Key to index in `members`, built once an object grows past `indexThreshold`.
    private var index: [String: Int]?
    private static let indexThreshold = 16

    /// The keys in the order they were written.
    public var keys: [String] { members.map(\.key) }

    /// The value of `key`, or nil when absent.
    public subscript(key: String) -> JSONValue? {
        if let index { return index[key].map { members[$0].value } }
        for member in members where member.key == key { return member.value }
        return nil
    }

    /// Adds a member; returns false (and adds nothing) when `key` is already present.
    public mutating func insert(_ value: JSONValue, forKey key: String) -> Bool {
        if index == nil {
            if members.contains(where: { $0.key == key }) { return false }
            members.append((key, value))
            if members.count > Self.indexThreshold {
                index = Dictionary(uniqueKeysWithValues: members.enumerated().map { ($1.key, $0) })
            }
            return true
        }
        if index?[key] != nil { return false }
        index?[key] = members.count
        members.append((key, value))
        return true
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count && lhs.members.allSatisfy { rhs[$0.key] == $0.value }
    }
}
