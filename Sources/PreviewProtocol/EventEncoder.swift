/// Writes events as JSON lines: `"event"` first, then the keys in the order of the
/// protocol document, snake_case; absent optional values are left out; durations and
/// other fractional numbers carry at most three decimals.
///
/// Strings are escaped directly on their UTF-8 bytes, so a 1.5 MB HTML render costs one
/// pass and one copy. The output is valid UTF-8 and holds exactly one `\n`, at the end.
public enum EventEncoder {
    /// The event as one JSON line with its `\n`.
    public static func encode(_ event: Event) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(event, into: &bytes)
        return bytes
    }

    /// Appends the event as one JSON line with its `\n` to `bytes` (reuse one buffer
    /// to avoid reallocating for every render).
    package static func encode(_ event: Event, into bytes: inout [UInt8]) {
        var writer = JSONWriter(bytes: consume bytes)
        write(event, to: &writer)
        bytes = writer.bytes
        bytes.append(0x0A)
    }

    /// The event as one JSON line, without the `\n`.
    public static func encodeToString(_ event: Event) -> String {
        var bytes = encode(event)
        bytes.removeLast()
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func write(_ event: Event, to w: inout JSONWriter) {
        w.beginObject()
        w.key("event")
        w.string(event.name)
        switch event {
        case let .ready(ready):
            w.key("protocol"); w.integer(ready.protocolVersion)
            w.key("server"); w.string(ready.server)
            if let url = ready.url { w.key("url"); w.string(url) }
        case let .ack(ack):
            w.key("id"); writeID(ack.id, to: &w)
            w.key("op"); w.string(ack.op.rawValue)
            if let doc = ack.doc { w.key("doc"); w.string(doc) }
            if let version = ack.version { w.key("version"); w.integer(version) }
        case let .render(render):
            w.key("doc"); w.string(render.doc)
            w.key("version"); w.integer(render.version)
            w.key("html"); w.string(render.html)
            w.key("render_ms"); w.decimal(render.renderMs)
            if let latency = render.latencyMs { w.key("latency_ms"); w.decimal(latency) }
        case let .patch(event):
            let patch = event.patch
            w.key("doc"); w.string(event.doc)
            w.key("version"); w.integer(patch.version)
            w.key("base")
            if let base = patch.baseVersion { w.integer(base) } else { w.null() }
            w.key("start"); w.integer(patch.start)
            w.key("remove"); w.beginArray()
            for key in patch.removed { w.integer(key.rawValue) }
            w.endArray()
            w.key("insert"); w.beginArray()
            for block in patch.inserted {
                w.beginObject()
                w.key("key"); w.integer(block.key.rawValue)
                w.key("lines"); w.beginArray(); w.integer(block.lines.lowerBound); w.integer(block.lines.upperBound); w.endArray()
                w.key("html"); w.string(block.html)
                w.endObject()
            }
            w.endArray()
            w.key("line_delta"); w.integer(patch.lineDelta)
            if !patch.updated.isEmpty {
                w.key("update"); w.beginArray()
                for update in patch.updated {
                    w.beginObject()
                    w.key("index"); w.integer(update.index)
                    w.key("key"); w.integer(update.key.rawValue)
                    w.key("html"); w.string(update.html)
                    w.endObject()
                }
                w.endArray()
            }
            if let footnotes = patch.footnotes { w.key("footnotes"); w.string(footnotes) }
            w.key("render_ms"); w.decimal(event.renderMs)
            if let latency = event.latencyMs { w.key("latency_ms"); w.decimal(latency) }
        case let .saved(saved):
            w.key("doc"); w.string(saved.doc)
            w.key("version"); w.integer(saved.version)
            w.key("path"); w.string(saved.path)
        case let .stats(stats):
            w.key("doc"); w.string(stats.doc)
            w.key("version"); w.integer(stats.version)
            w.key("words"); w.integer(stats.words)
            w.key("characters"); w.integer(stats.characters)
            w.key("lines"); w.integer(stats.lines)
            w.key("reading_minutes"); w.decimal(stats.readingMinutes)
            w.key("headings")
            w.beginArray()
            for heading in stats.headings {
                w.beginObject()
                w.key("level"); w.integer(heading.level)
                w.key("text"); w.string(heading.text)
                w.key("line"); w.integer(heading.line)
                w.endObject()
            }
            w.endArray()
        case let .progress(progress):
            if let doc = progress.doc { w.key("doc"); w.string(doc) }
            w.key("task"); w.string(progress.task)
            if let fraction = progress.fraction { w.key("fraction"); w.decimal(fraction) }
            if let message = progress.message { w.key("message"); w.string(message) }
        case let .error(error):
            if let line = error.line { w.key("line"); w.integer(line) }
            if let id = error.id { w.key("id"); writeID(id, to: &w) }
            if let doc = error.doc { w.key("doc"); w.string(doc) }
            w.key("code"); w.string(error.code.rawValue)
            if let field = error.field { w.key("field"); w.string(field) }
            w.key("message"); w.string(error.message)
        case let .closed(doc):
            w.key("doc"); w.string(doc)
        case let .renderFailed(failed):
            w.key("doc"); w.string(failed.doc)
            w.key("version"); w.integer(failed.version)
            w.key("reason"); w.string(failed.reason)
            w.key("message"); w.string(failed.message)
            w.key("failures"); w.integer(failed.failures)
        case let .previewPaused(paused):
            w.key("doc"); w.string(paused.doc)
            w.key("reason"); w.string(paused.reason)
            w.key("message"); w.string(paused.message)
            w.key("failures"); w.integer(paused.failures)
            w.key("retry_in_ms"); w.decimal(paused.retryInMs)
        case let .reveal(doc, line):
            w.key("doc"); w.string(doc)
            w.key("line"); w.integer(line)
        case .bye:
            break
        }
        w.endObject()
    }

    private static func writeID(_ id: RequestID, to w: inout JSONWriter) {
        switch id {
        case let .string(string): w.string(string)
        case let .integer(integer): w.integer(integer)
        }
    }
}
