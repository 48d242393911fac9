import Dispatch
import DocumentModel
import Primitives
import Saving
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What ``PreviewEngine/shutdown(timeout:)`` could not do.
public struct ShutdownReport: Sendable, Hashable {
    /// Documents whose final version could not be written to their file.
    public var unsaved: [UnsavedDocument] = []
    /// Documents whose final version was not rendered and delivered within the timeout
    /// (their text was saved all the same).
    public var undelivered: [DocumentID] = []
}

/// A document whose final save failed at shutdown, and where its text went instead.
public struct UnsavedDocument: Sendable, Hashable {
    /// Where a text that could not be saved went.
    public enum Recovery: Sendable, Hashable {
        /// To this recovery file.
        case written(path: String)
        /// Nowhere: no recovery file could be written, for this reason.
        case notWritten(reason: String)
    }

    /// The failed final save: document, version, target file and the system's message
    /// (no retry follows).
    public let failure: SaveFailure
    /// Where the text went instead.
    public let recovery: Recovery

    init(_ id: DocumentID, version: UInt64, path: String, message: String, recovery: Recovery) {
        failure = SaveFailure(documentID: id, version: version, path: path, message: message, consecutiveFailures: 1, retryAt: nil)
        self.recovery = recovery
    }
}

extension PreviewEngine {
    /// Writes the latest version to disk and closes the document: its timers stop, queued
    /// work is cancelled, a render still running is discarded, and a ``PreviewEvent/closed(_:)``
    /// event follows every event of the document. If the final save fails the document
    /// stays open (nothing is lost) and this throws.
    public func close(_ id: DocumentID) throws(EngineError) {
        try flush(id)
        try state.withLock { state throws(EngineError) in
            guard let session = state.sessions.removeValue(forKey: id) else { throw .unknownDocument(id) }
            session.cancelAll()
            emit(.closed(id), in: &state)
        }
    }

    /// Stops the engine, in this order: edits and opens are refused; every document's
    /// latest version is written to its file (nothing waits for a render; a failed write
    /// is reported as an event and its text goes to a recovery file, see
    /// ``UnsavedDocument``); final versions not delivered yet are rendered, at most one
    /// render per document, until `timeout` by the engine's clock has passed since the call;
    /// the render workers are killed; events are delivered until then too; the
    /// engine's own pool stops (in the background when an in-process render is still
    /// stuck). Idempotent: later calls return the
    /// first call's report.
    @discardableResult
    public func shutdown(timeout: Duration = .seconds(5)) -> ShutdownReport {
        let deadline = clock.now.advanced(by: timeout)
        let ids = state.withLock { state -> [DocumentID]? in
            guard !state.isShuttingDown else { return nil }
            state.isShuttingDown = true
            for session in state.sessions.values {
                session.renderTimer?.cancel()
                session.saveTimer?.cancel()
                session.statisticsTimer?.cancel()
            }
            return Array(state.sessions.keys).sorted()
        }
        guard let ids else { return state.withLock { $0.shutdownReport } ?? ShutdownReport() }

        var report = ShutdownReport()
        for id in ids {
            do throws(EngineError) {
                try flush(id, reportsFailures: true)
            } catch {
                if case .saveFailed(_, let path, let message) = error { report.unsaved.append(recover(id, path: path, message: message)) }
            }
        }
        state.withLock { state in
            for id in ids {
                // A paused document is not rendered: its text failed, and would again.
                guard let session = state.sessions[id], !session.render.isRendering, !session.render.breaker.isOpen,
                      !session.render.hasDelivered(session.document.version) else { continue }
                act(on: .submit, for: id, in: &state)
            }
        }
        _ = pool.waitUntilIdle(timeout: clock.now.duration(to: deadline))
        report.undelivered = state.withLock { state in
            var undelivered: [DocumentID] = []
            for id in ids {
                guard let session = state.sessions[id] else { continue }
                if !session.render.hasDelivered(session.document.version) { undelivered.append(id) }
                session.cancelAll()
                state.sessions[id]!.isClosed = true
            }
            return undelivered
        }
        state.withLock { $0.shutdownReport = report }
        renderBackend.shutdown()   // a render still running in a worker ends now
        waitForDeliveries(until: deadline)
        if ownsPool {
            if pool.waitUntilIdle(timeout: .zero) {
                pool.shutdown(.cancelPending)
            } else {
                pool.cancelAll()
                DispatchQueue.global().async { [pool] in pool.shutdown(.cancelPending) }
            }
        }
        return report
    }

    /// Lets the callback queue deliver what is queued, until `deadline` by the engine's
    /// clock (one that has passed waits for nothing).
    private func waitForDeliveries(until deadline: MonotonicInstant) {
        repeat {
            for queue in [configuration.callbackQueue] + state.withLock({ $0.fanOut.queues }) {
                let delivered = Locked(false)
                queue.async {
                    delivered.withLock { $0 = true }
                    delivered.broadcast()
                }
                guard delivered.withLock(waitingUntil: { $0 }, deadline: deadline, clock: clock, { _, done in done }) else { return }
            }
        } while state.withLock { $0.fanOut.undeliveredCount > 0 }
    }

    /// Writes the text of a document whose final save failed to a recovery file: beside
    /// the target (`NAME.recovered`, `NAME.recovered-2`, …, never over an existing
    /// file), or else in `$TMPDIR` (or `/tmp`).
    private func recover(_ id: DocumentID, path: String, message: String) -> UnsavedDocument {
        let found: (UInt64, TextSnapshot)? = state.withLock { state in
            state.sessions[id].map { ($0.generation, $0.document.snapshot) }
        }
        guard let (generation, snapshot) = found else {
            return UnsavedDocument(id, version: 0, path: path, message: message, recovery: .notWritten(reason: "the document is gone"))
        }
        let target = Autosaver.target(of: path)
        let temporaryDirectory = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let safeName = String(String(id.unicodeScalars.map { $0 == "/" || $0 == "\0" ? "_" : Character($0) }).suffix(100))
        var failures: [String] = []
        for base in [target, "\(temporaryDirectory)/mdpreview-\(getpid())-\(safeName)"] {
            guard let candidate = Self.unusedName(base + ".recovered") else { continue }
            let request = Autosaver.Request(generation: generation, version: snapshot.version, path: candidate, text: snapshot.text)
            switch autosaver.write(request, progress: { _ in }) {
            case .written, .alreadyOnDisk:
                return UnsavedDocument(id, version: snapshot.version, path: path, message: message, recovery: .written(path: candidate))
            case .failed(let error):
                failures.append(error.description)
            }
        }
        return UnsavedDocument(id, version: snapshot.version, path: path, message: message,
                               recovery: .notWritten(reason: failures.joined(separator: "; ")))
    }

    private static func unusedName(_ base: String) -> String? {
        var info = stat()
        for index in 1...100 {
            let name = index == 1 ? base : "\(base)-\(index)"
            if lstat(name, &info) != 0 { return name }
        }
        return nil
    }
}
