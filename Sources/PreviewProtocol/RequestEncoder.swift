import DocumentModel
import MarkdownRenderer

/// Writes requests as JSON lines, the client side of the protocol (used by tests and
/// Swift clients). `RequestDecoder` reads back exactly the request that was written.
///
/// Edits are written with `"op":"edit"`: one offset patch as `pos`/`del`/`ins`, several
/// as `patches`, a range as `range`/`text`; `unit` only when it is not the form's
/// default; `t` and `"c":1` when set. Options are written only when they differ from the
/// defaults.
public enum RequestEncoder {
    /// The request as one JSON line with its `\n`.
    public static func encode(_ request: Request) -> [UInt8] {
        var writer = JSONWriter()
        write(request, to: &writer)
        var bytes = writer.bytes
        bytes.append(0x0A)
        return bytes
    }

    /// The request as one JSON line, without the `\n`.
    public static func encodeToString(_ request: Request) -> String {
        var bytes = encode(request)
        bytes.removeLast()
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func write(_ request: Request, to w: inout JSONWriter) {
        w.beginObject()
        w.key("op")
        w.string(request.op.rawValue)
        if let id = request.id {
            w.key("id")
            switch id {
            case let .string(string): w.string(string)
            case let .integer(integer): w.integer(integer)
            }
        }
        if let doc = request.doc { w.key("doc"); w.string(doc) }
        switch request.command {
        case let .open(text, autosave, options, patches, path):
            w.key("text"); w.string(text)
            if let autosave { w.key("autosave"); w.string(autosave) }
            writeOptions(options, to: &w)
            if patches { w.key("patches"); w.bool(true) }
            if let path { w.key("path"); w.string(path) }
        case let .edit(patches, timestampMs, continuesTransaction):
            writePatches(patches, to: &w)
            if let timestampMs { w.key("t"); w.decimal(timestampMs) }
            if continuesTransaction { w.key("c"); w.integer(1) }
        case let .replace(text):
            w.key("text"); w.string(text)
        case let .save(path):
            if let path { w.key("path"); w.string(path) }
        case let .cursor(line):
            w.key("line"); w.integer(line)
        case .render, .stats, .close, .shutdown:
            break
        }
        w.endObject()
    }

    /// Offset patches (all in one unit) as `pos`/`del`/`ins` or `patches`, or one
    /// line-range patch as `range`/`text`. Other mixtures have no one-line form.
    private static func writePatches(_ patches: [TextPatch], to w: inout JSONWriter) {
        if patches.count == 1, case let .lines(start, end, unit) = patches[0].range {
            w.key("range")
            w.beginObject()
            for (isStart, point) in [(true, start), (false, end)] {
                if isStart { w.key("start") } else { w.key("end") }
                w.beginObject()
                w.key("line"); w.integer(point.line)
                w.key("character"); w.integer(point.character)
                w.endObject()
            }
            w.endObject()
            w.key("text"); w.string(patches[0].text)
            if unit != .utf16 { w.key("unit"); w.string(unit.wireName) }
            return
        }
        var unit = TextUnit.unicodeScalars
        func writeOffsets(_ patch: TextPatch) {
            guard case let .offsets(offset, length, patchUnit) = patch.range else {
                preconditionFailure("a line-range patch can only be sent alone")
            }
            unit = patchUnit
            w.key("pos"); w.integer(offset)
            w.key("del"); w.integer(length)
            w.key("ins"); w.string(patch.text)
        }
        if patches.count == 1 {
            writeOffsets(patches[0])
        } else {
            w.key("patches")
            w.beginArray()
            for patch in patches {
                w.beginObject()
                writeOffsets(patch)
                w.endObject()
            }
            w.endArray()
        }
        if unit != .unicodeScalars { w.key("unit"); w.string(unit.wireName) }
    }

    private static func writeOptions(_ settings: RenderOptions, to w: inout JSONWriter) {
        w.key("profile"); w.string(settings.profile.rawValue)
        var settings = settings
        settings.profile = RenderOptions.default.profile
        guard settings != .default else { return }
        w.key("options")
        w.beginObject()
        if settings.allowsUnsafeHTML { w.key("unsafe"); w.bool(true) }
        if settings.sourcePositions { w.key("sourcepos"); w.bool(true) }
        if settings.smartPunctuation { w.key("smart"); w.bool(true) }
        if settings.hardBreaks { w.key("hardbreaks"); w.bool(true) }
        if settings.noBreaks { w.key("nobreaks"); w.bool(true) }
        if settings.githubPreLang { w.key("github_pre_lang"); w.bool(true) }
        if settings.fullInfoString { w.key("full_info_string"); w.bool(true) }
        if settings.tablePreferStyleAttributes { w.key("table_prefer_style_attributes"); w.bool(true) }
        if settings.strikethroughDoubleTilde { w.key("strikethrough_double_tilde"); w.bool(true) }
        if settings.extensions != RenderOptions.default.extensions {
            w.key("extensions")
            w.beginArray()
            for ext in GFMExtension.allCases where settings.extensions.contains(ext) { w.string(ext.rawValue) }
            w.endArray()
        }
        w.endObject()
    }
}
