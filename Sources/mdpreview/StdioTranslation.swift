import DocumentModel
import MarkdownRenderer
import PreviewEngine
import PreviewProtocol

/// Translation between the engine's types and the wire's.
enum StdioTranslation {
    static func patches(for changes: EditChanges) -> [TextPatch] {
        switch changes {
        case .offsets(let patches, let unit):
            patches.map { TextPatch.replace(offset: $0.pos, length: $0.del, with: $0.ins, unit: textUnit(unit)) }
        case .range(let range, let text, let unit):
            [TextPatch.replace(
                from: LinePosition(line: range.start.line, character: range.start.character),
                to: LinePosition(line: range.end.line, character: range.end.character),
                with: text, unit: textUnit(unit)
            )]
        }
    }

    static func textUnit(_ unit: PositionUnit) -> TextUnit {
        switch unit {
        case .scalar: .unicodeScalars
        case .utf16: .utf16
        case .utf8: .utf8
        }
    }

    static func renderOptions(_ settings: RenderSettings) -> RenderOptions {
        RenderOptions(
            extensions: settings.extensions.map { Set($0.compactMap { GFMExtension(rawValue: $0.rawValue) }) } ?? Set(GFMExtension.allCases),
            allowsUnsafeHTML: settings.allowsUnsafeHTML,
            sourcePositions: settings.sourcePositions,
            smartPunctuation: settings.smartPunctuation,
            hardBreaks: settings.hardBreaks,
            noBreaks: settings.noBreaks,
            githubPreLang: settings.githubPreLang,
            fullInfoString: settings.fullInfoString,
            tablePreferStyleAttributes: settings.tablePreferStyleAttributes,
            strikethroughDoubleTilde: settings.strikethroughDoubleTilde
        )
    }

    /// The `error` event for an engine refusal; `pathField` names the request's path
    /// field (`autosave` of `open`, `path` of `save`).
    static func protocolError(for error: EngineError, line: Int, id: RequestID?, doc: String?, pathField: String = "path") -> ProtocolError {
        switch error {
        case .unknownDocument(let name):
            return .unknownDoc(name, line: line, id: id)
        case .documentAlreadyOpen(let name):
            return .docExists(name, line: line, id: id)
        case .invalidEdit(_, let editError):
            return ProtocolError(code: code(for: editError), message: editError.description, line: line, id: id, doc: doc)
        case .saveFailed(_, let path, let message):
            return ProtocolError(code: .saveFailed, message: "\(path): \(message)", line: line, id: id, doc: doc)
        case .noAutosavePath:
            return ProtocolError(code: .saveFailed, message: "the document has no autosave path; give \"path\"", field: "path", line: line, id: id, doc: doc)
        case .invalidPath(_, _, let reason):
            return ProtocolError(code: .invalidValue, message: "\"\(pathField)\" cannot be used: \(reason); nothing was written", field: pathField, line: line, id: id, doc: doc)
        case .shutDown:
            return .shuttingDown(line: line, id: id, doc: doc)
        }
    }

    static func code(for error: EditError) -> ProtocolErrorCode {
        switch error {
        case .splitsScalar, .positionSplitsScalar: .splitsCharacter
        case .inTransaction(_, let underlying): code(for: underlying)
        default: .outOfRange
        }
    }

    static func wireEvent(for event: PreviewEvent) -> Event? {
        switch event {
        case .rendered(let result):
            .render(RenderEvent(
                doc: result.documentID, version: result.version, html: result.html,
                renderMs: result.renderDuration.milliseconds, latencyMs: result.latency.milliseconds
            ))
        case .saved(let saved):
            .saved(SavedEvent(doc: saved.documentID, version: saved.version, path: saved.path))
        case .saveFailed(let failure):
            .error(ProtocolError(
                code: .saveFailed,
                message: failure.message + (failure.retryAt == nil ? "" : "; the text is kept and saving is retried"),
                doc: failure.documentID
            ))
        case .statistics(let statistics):
            .stats(StatsEvent(
                doc: statistics.documentID, version: statistics.version, words: statistics.words,
                characters: statistics.characters, lines: statistics.lines, readingMinutes: statistics.readingMinutes,
                headings: statistics.headings.map { StatsEvent.Heading(level: $0.level, text: $0.text, line: $0.line) }
            ))
        case .progress(let report):
            .progress(ProgressEvent(doc: report.documentID, task: report.task, fraction: report.fraction, message: report.message))
        case .closed(let doc):
            .closed(doc: doc)
        }
    }
}
