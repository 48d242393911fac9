import StrictJSON
import DocumentModel
import MarkdownRenderer

/// The fields of one request object, decoded in the order Docs/PROTOCOL.md gives; every
/// error carries the line, id and doc as far as they could be read.
struct Fields {
    let object: JSONObject
    let line: Int
    var id: RequestID?
    var doc: String?

    let defaultProfile: RenderProfile

    init(object: JSONObject, line: Int, defaultProfile: RenderProfile) {
        self.object = object
        self.line = line
        self.defaultProfile = defaultProfile
        // Whatever is readable goes into errors, even before it is validated.
        id = object["id"].flatMap(RequestDecoder.validID)
        doc = object["doc"].flatMap(RequestDecoder.validDoc)
    }

    // MARK: requests

    mutating func decodeRequest() throws(ProtocolError) -> Request {
        let id = try decodeID()
        let op: RequestOp
        switch present("op") {
        case nil:
            if ["pos", "del", "ins"].contains(where: { present($0) != nil }) {
                let doc = try optionalDoc()
                return Request(try decodeEdit(), doc: doc, id: id)
            }
            throw error(
                .missingOp,
                "the request has no \"op\" (one of \(RequestOp.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))) and is not an edit-trace line with \"pos\", \"del\" and \"ins\"",
                field: "op"
            )
        case let .string(name)?:
            guard let known = RequestOp(rawValue: name) else {
                throw error(
                    .unknownOp,
                    "unknown op \"\(name)\"; known ops: \(RequestOp.allCases.map(\.rawValue).joined(separator: ", "))",
                    field: "op"
                )
            }
            op = known
        case let other?:
            throw wrongType("op", expected: "a string", got: other)
        }
        switch op {
        case .open:
            let doc = try requiredDoc()
            let text = try requiredString("text")
            let autosave = try optionalPath("autosave")
            let options = try decodeOptions()
            let patches = try optionalBool("patches")
            return Request(.open(text: text, autosave: autosave, options: options, patches: patches, path: try optionalPath("path")), doc: doc, id: id)
        case .edit:
            let doc = try optionalDoc()
            return Request(try decodeEdit(), doc: doc, id: id)
        case .replace:
            let doc = try requiredDoc()
            return Request(.replace(text: try requiredString("text")), doc: doc, id: id)
        case .save:
            let doc = try requiredDoc()
            return Request(.save(path: try optionalPath("path")), doc: doc, id: id)
        case .render:
            return Request(.render, doc: try requiredDoc(), id: id)
        case .stats:
            return Request(.stats, doc: try requiredDoc(), id: id)
        case .cursor:
            let doc = try requiredDoc()
            return Request(.cursor(line: try integer(in: object, "line", path: "")), doc: doc, id: id)
        case .close:
            return Request(.close, doc: try requiredDoc(), id: id)
        case .shutdown:
            return Request(.shutdown, id: id)
        }
    }

    private func decodeID() throws(ProtocolError) -> RequestID? {
        guard let value = present("id") else { return nil }
        switch value {
        case let .string(string):
            return .string(string)
        case let .number(number):
            switch number {
            case let .integer(integer): return .integer(integer)
            case .hugeInteger: throw error(.invalidValue, "\"id\" is too large for a 64-bit integer", field: "id")
            case let .float(float): throw error(.invalidValue, "\"id\" must be a string or an integer, got \(float)", field: "id")
            }
        default:
            throw wrongType("id", expected: "a string or an integer", got: value)
        }
    }

    private func requiredDoc() throws(ProtocolError) -> String {
        guard let doc = try optionalDoc() else {
            throw error(.missingField, "the request has no \"doc\" (the document's name)", field: "doc")
        }
        return doc
    }

    private func optionalDoc() throws(ProtocolError) -> String? {
        guard let value = present("doc") else { return nil }
        guard case let .string(doc) = value else { throw wrongType("doc", expected: "a string", got: value) }
        guard !doc.isEmpty else { throw error(.invalidValue, "\"doc\" must not be empty", field: "doc") }
        return doc
    }

    private func optionalPath(_ key: String) throws(ProtocolError) -> String? {
        guard let value = present(key) else { return nil }
        guard case let .string(path) = value else { throw wrongType(key, expected: "a string", got: value) }
        guard !path.isEmpty else { throw error(.invalidValue, "\"\(key)\" must not be empty", field: key) }
        return path
    }

    // MARK: edits

    private func decodeEdit() throws(ProtocolError) -> Request.Command {
        let offsetKeys = ["pos", "del", "ins"].filter { present($0) != nil }
        let hasPatches = present("patches") != nil
        let hasRange = present("range") != nil
        let hasText = present("text") != nil
        if hasRange && hasPatches {
            throw error(.conflictingFields, "an edit has either \"range\" or \"patches\", not both", field: "patches")
        }
        if let key = offsetKeys.first, hasRange || hasPatches {
            let form = hasRange ? "range" : "patches"
            throw error(.conflictingFields, "an edit has either \"\(form)\" or \"pos\"/\"del\"/\"ins\", not both (found \"\(key)\")", field: key)
        }
        if hasText, !hasRange {
            if !offsetKeys.isEmpty || hasPatches {
                throw error(.conflictingFields, "\"text\" belongs to the range form of an edit; offset edits insert \"ins\"", field: "text")
            }
            throw error(.missingField, "an edit with \"text\" needs a \"range\"; to replace the whole text use op \"replace\"", field: "range")
        }
        let timestamp = try decodeTimestamp()
        let continues = try decodeContinuation()
        let patches: [TextPatch]
        if hasRange {
            let unit = try decodeUnit(default: .utf16)
            let (start, end) = try decodeRange()
            patches = [.replace(from: start, to: end, with: try requiredString("text"), unit: unit)]
        } else if hasPatches {
            let unit = try decodeUnit(default: .unicodeScalars)
            patches = try decodePatches(unit: unit)
        } else if !offsetKeys.isEmpty {
            let unit = try decodeUnit(default: .unicodeScalars)
            patches = [try decodePatch(object, path: "", unit: unit)]
        } else {
            throw error(
                .missingField, "an edit needs \"pos\", \"del\" and \"ins\", or \"patches\", or \"range\" and \"text\"", field: "pos"
            )
        }
        return .edit(patches: patches, timestampMs: timestamp, continuesTransaction: continues)
    }

    private func decodeUnit(default defaultUnit: TextUnit) throws(ProtocolError) -> TextUnit {
        guard let value = present("unit") else { return defaultUnit }
        guard case let .string(name) = value else { throw wrongType("unit", expected: "a string", got: value) }
        guard let unit = TextUnit(wireName: name) else {
            throw error(
                .invalidValue,
                "unknown unit \"\(name)\"; known units: \(TextUnit.allCases.map(\.wireName).joined(separator: ", "))",
                field: "unit"
            )
        }
        return unit
    }

    private func decodeTimestamp() throws(ProtocolError) -> Double? {
        guard let value = present("t") else { return nil }
        guard case let .number(number) = value else { throw wrongType("t", expected: "a number or null", got: value) }
        let time = number.doubleValue
        guard time.isFinite else { throw error(.invalidValue, "\"t\" is too large", field: "t") }
        return time
    }

    /// A boolean field, false when absent or null.
    private func optionalBool(_ key: String) throws(ProtocolError) -> Bool {
        guard let value = present(key) else { return false }
        guard case let .bool(flag) = value else { throw wrongType(key, expected: "a boolean", got: value) }
        return flag
    }

    private func decodeContinuation() throws(ProtocolError) -> Bool {
        guard let value = present("c") else { return false }
        switch value {
        case let .bool(flag): return flag
        case .number(.integer(1)): return true
        case .number(.integer(0)): return false
        case .number: throw error(.invalidValue, "\"c\" must be 1 (continues the previous transaction) or 0", field: "c")
        default: throw wrongType("c", expected: "1, 0 or a boolean", got: value)
        }
    }

    private func decodePatches(unit: TextUnit) throws(ProtocolError) -> [TextPatch] {
        guard case let .array(elements)? = present("patches") else {
            throw wrongType("patches", expected: "an array", got: present("patches") ?? .null)
        }
        guard !elements.isEmpty else { throw error(.invalidValue, "\"patches\" must not be empty", field: "patches") }
        var patches: [TextPatch] = []
        patches.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            let path = "patches[\(index)]"
            guard case let .object(patch) = element else { throw wrongType(path, expected: "an object", got: element) }
            patches.append(try decodePatch(patch, path: path + ".", unit: unit))
        }
        return patches
    }

    private func decodePatch(_ patch: JSONObject, path: String, unit: TextUnit) throws(ProtocolError) -> TextPatch {
        let pos = try integer(in: patch, "pos", path: path)
        let del = try integer(in: patch, "del", path: path)
        let ins = try string(in: patch, "ins", path: path)
        return .replace(offset: pos, length: del, with: ins, unit: unit)
    }

    private func decodeRange() throws(ProtocolError) -> (start: LinePosition, end: LinePosition) {
        guard case let .object(range)? = present("range") else {
            throw wrongType("range", expected: "an object", got: present("range") ?? .null)
        }
        let start = try point(in: range, "start")
        let end = try point(in: range, "end")
        guard start <= end else {
            throw error(.invalidValue, "the range ends (\(end)) before it starts (\(start))", field: "range")
        }
        return (start, end)
    }

    private func point(in range: JSONObject, _ key: String) throws(ProtocolError) -> LinePosition {
        let path = "range.\(key)"
        guard let value = nonNull(range[key]) else {
            throw error(.missingField, "the range has no \"\(key)\"", field: path)
        }
        guard case let .object(point) = value else { throw wrongType(path, expected: "an object", got: value) }
        return LinePosition(
            line: try integer(in: point, "line", path: path + "."),
            character: try integer(in: point, "character", path: path + ".")
        )
    }

    // MARK: options

    private static var booleanOptions: [(key: String, path: WritableKeyPath<RenderOptions, Bool>)] { [
        ("unsafe", \.allowsUnsafeHTML),
        ("sourcepos", \.sourcePositions),
        ("smart", \.smartPunctuation),
        ("hardbreaks", \.hardBreaks),
        ("nobreaks", \.noBreaks),
        ("github_pre_lang", \.githubPreLang),
        ("full_info_string", \.fullInfoString),
        ("table_prefer_style_attributes", \.tablePreferStyleAttributes),
        ("strikethrough_double_tilde", \.strikethroughDoubleTilde),
    ] }

    private func decodeOptions() throws(ProtocolError) -> RenderOptions {
        var settings = RenderOptions.default
        settings.profile = defaultProfile
        if let value = present("profile") {
            guard case let .string(name) = value else { throw wrongType("profile", expected: "a string", got: value) }
            guard let profile = RenderProfile(rawValue: name) else {
                let known = RenderProfile.allCases.map(\.rawValue).joined(separator: ", ")
                throw error(.invalidValue, "unknown profile \"\(name)\"; known profiles: \(known)", field: "profile")
            }
            settings.profile = profile
        }
        guard let value = present("options") else { return settings }
        guard case let .object(options) = value else { throw wrongType("options", expected: "an object", got: value) }
        let known = Self.booleanOptions.map(\.key) + ["extensions"]
        for key in options.keys where !known.contains(key) {
            throw error(.invalidValue, "unknown option \"\(key)\"; known options: \(known.joined(separator: ", "))", field: "options.\(key)")
        }
        for (key, path) in Self.booleanOptions {
            guard let value = nonNull(options[key]) else { continue }
            guard case let .bool(flag) = value else { throw wrongType("options.\(key)", expected: "a boolean", got: value) }
            settings[keyPath: path] = flag
        }
        if settings.hardBreaks && settings.noBreaks {
            throw error(.conflictingFields, "the options \"hardbreaks\" and \"nobreaks\" cannot both be true", field: "options.nobreaks")
        }
        if let value = nonNull(options["extensions"]) {
            guard case let .array(names) = value else { throw wrongType("options.extensions", expected: "an array of strings", got: value) }
            var extensions = Set<GFMExtension>()
            for (index, element) in names.enumerated() {
                let path = "options.extensions[\(index)]"
                guard case let .string(name) = element else { throw wrongType(path, expected: "a string", got: element) }
                guard let ext = GFMExtension(rawValue: name) else {
                    throw error(
                        .invalidValue,
                        "unknown extension \"\(name)\"; known extensions: \(GFMExtension.allCases.map(\.rawValue).joined(separator: ", "))",
                        field: path
                    )
                }
                extensions.insert(ext)
            }
            settings.extensions = extensions
        }
        return settings
    }

    // MARK: field access

    /// The value of a top-level key, nil when absent or null.
    private func present(_ key: String) -> JSONValue? {
        nonNull(object[key])
    }

    private func nonNull(_ value: JSONValue?) -> JSONValue? {
        if case .null? = value { return nil }
        return value
    }

    private func requiredString(_ key: String) throws(ProtocolError) -> String {
        try string(in: object, key, path: "")
    }

    private func string(in object: JSONObject, _ key: String, path: String) throws(ProtocolError) -> String {
        guard let value = nonNull(object[key]) else {
            throw error(.missingField, "the request has no \"\(path)\(key)\"", field: path + key)
        }
        guard case let .string(string) = value else { throw wrongType(path + key, expected: "a string", got: value) }
        return string
    }

    /// A non-negative integer. Numbers written with a fraction or exponent are accepted
    /// when their value is a whole number (`3.0`, `1e2`).
    private func integer(in object: JSONObject, _ key: String, path: String) throws(ProtocolError) -> Int {
        let field = path + key
        guard let value = nonNull(object[key]) else {
            throw error(.missingField, "the request has no \"\(field)\"", field: field)
        }
        guard case let .number(number) = value else {
            throw wrongType(field, expected: "a non-negative integer", got: value)
        }
        let integer: Int
        switch number {
        case let .integer(value):
            integer = value
        case let .hugeInteger(value):
            throw error(.invalidValue, "\"\(field)\" is \(value < 0 ? "too small" : "too large") (beyond 64-bit integers)", field: field)
        case let .float(value):
            // Every Double of magnitude 2^52 or more is whole, so a value that is not
            // exactly an Int is either a fraction or out of range.
            guard let exact = JSONNumber.exactInt(value) else {
                if value.magnitude < 0x1p52 {
                    throw error(.invalidValue, "\"\(field)\" must be a whole number, got \(value)", field: field)
                }
                throw error(.invalidValue, "\"\(field)\" is \(value < 0 ? "too small" : "too large") (beyond 64-bit integers)", field: field)
            }
            integer = exact
        }
        guard integer >= 0 else { throw error(.invalidValue, "\"\(field)\" must not be negative, got \(integer)", field: field) }
        return integer
    }

    // MARK: errors

    private func error(_ code: ProtocolErrorCode, _ message: String, field: String? = nil) -> ProtocolError {
        ProtocolError(code: code, message: message, field: field, line: line, id: id, doc: doc)
    }

    private func wrongType(_ field: String, expected: String, got value: JSONValue) -> ProtocolError {
        error(.wrongType, "\"\(field)\" must be \(expected), not \(RequestDecoder.article(value.typeName))", field: field)
    }
}
