import DocumentModel
import MarkdownRenderer
import PreviewEngine
import PreviewProtocol

/// Translation between the engine's types and the wire's.
enum StdioTranslation {
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

    /// The wire event for an engine event, or nil for none; `now` is the engine clock's
    /// reading (a pause's retry delay is measured from it).
    static func wireEvent(for event: PreviewEvent, now: MonotonicInstant) -> Event? {
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
        case .renderFailed(let report):
            .renderFailed(RenderFailedEvent(
                doc: report.documentID, version: report.version, reason: report.reason.kind,
                message: report.reason.description, failures: report.consecutiveFailures
            ))
        case .previewPaused(let pause):
            .previewPaused(PreviewPausedEvent(
                doc: pause.documentID, reason: pause.reason.kind, message: pause.reason.description,
                failures: pause.consecutiveFailures, retryInMs: max(0, now.duration(to: pause.until).milliseconds)
            ))
        }
    }
}
