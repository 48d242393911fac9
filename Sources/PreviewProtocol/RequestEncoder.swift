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
        switch request {
        case let .open(open):
            w.key("text"); w.string(open.text)
            if let autosave = open.autosave { w.key("autosave"); w.string(autosave) }
            writeOptions(open.options, to: &w)
        case let .edit(edit):
            switch edit.changes {
            case let .offsets(patches, unit):
                if patches.count == 1 {
                    writePatch(patches[0], to: &w)
                } else {
                    w.key("patches")
                    w.beginArray()
                    for patch in patches {
                        w.beginObject()
                        writePatch(patch, to: &w)
                        w.endObject()
                    }
                    w.endArray()
                }
                if unit != .scalar { w.key("unit"); w.string(unit.rawValue) }
            case let .range(range, text, unit):
                w.key("range")
                w.beginObject()
                for (key, point) in [("start", range.start), ("end", range.end)] {
                    if key == "start" { w.key("start") } else { w.key("end") }
                    w.beginObject()
                    w.key("line"); w.integer(point.line)
                    w.key("character"); w.integer(point.character)
                    w.endObject()
                }
                w.endObject()
                w.key("text"); w.string(text)
                if unit != .utf16 { w.key("unit"); w.string(unit.rawValue) }
            }
            if let time = edit.timestampMs { w.key("t"); w.decimal(time) }
            if edit.continuesTransaction { w.key("c"); w.integer(1) }
        case let .replace(replace):
            w.key("text"); w.string(replace.text)
        case let .save(save):
            if let path = save.path { w.key("path"); w.string(path) }
        case .render, .stats, .close, .shutdown:
            break
        }
        w.endObject()
    }

    private static func writePatch(_ patch: OffsetPatch, to w: inout JSONWriter) {
        w.key("pos"); w.integer(patch.pos)
        w.key("del"); w.integer(patch.del)
        w.key("ins"); w.string(patch.ins)
    }

    private static func writeOptions(_ settings: RenderSettings, to w: inout JSONWriter) {
        guard settings != RenderSettings() else { return }
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
        if let extensions = settings.extensions {
            w.key("extensions")
            w.beginArray()
            for ext in MarkdownExtension.allCases where extensions.contains(ext) { w.string(ext.rawValue) }
            w.endArray()
        }
        w.endObject()
    }
}
