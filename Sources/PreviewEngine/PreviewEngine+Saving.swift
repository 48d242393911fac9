import DocumentModel
import ThreadPool
import Saving

extension PreviewEngine {
    /// Writes the current version now, on the calling thread, and waits: to the autosave
    /// path, or to `path`, which becomes the autosave path once the write succeeds. A
    /// write already under way to the same file finishes first, and an older version is
    /// never written over a newer one. A failure is thrown (not also sent as an event);
    /// a failed write to the autosave path is retried later.
    public func save(_ id: DocumentID, to path: String? = nil) throws(EngineError) {
        guard let path else {
            try flush(id)
            return
        }
        if let problem = Autosaver.problem(with: path) { throw .invalidPath(id, path: path, reason: problem) }
        let job: SaveJob = try state.withLock { state throws(EngineError) in
            guard let session = state.sessions[id] else { throw .unknownDocument(id) }
            return SaveJob(id: id, generation: session.generation, path: path, snapshot: session.document.snapshot, retries: false)
        }
        let onDisk: UInt64
        switch write(job, context: nil, reportsFailure: false) {
        case .success(let version): onDisk = version
        case .failure(let failure): throw .saveFailed(id, path: path, message: failure.message)
        }
        try state.withLock { state throws(EngineError) in
            guard var session = state.sessions[id], session.generation == job.generation else { throw .unknownDocument(id) }
            if session.autosavePath != path {
                session.autosavePath = path
                session.autosave.moved(holding: onDisk)
                state.sessions[id] = session
            }
        }
        try flush(id)
    }

    /// Writes the latest version to the document's file until the file holds the version
    /// that is current when this returns.
    func flush(_ id: DocumentID, reportsFailures: Bool = false) throws(EngineError) {
        while true {
            let job: SaveJob? = try state.withLock { state throws(EngineError) in
                guard let session = state.sessions[id] else { throw .unknownDocument(id) }
                guard let path = session.autosavePath, session.hasUnsavedChanges else { return nil }
                return SaveJob(id: id, generation: session.generation, path: path, snapshot: session.document.snapshot)
            }
            guard let job else { return }
            if case .failure(let failure) = write(job, context: nil, reportsFailure: reportsFailures) {
                throw .saveFailed(id, path: job.path, message: failure.message)
            }
        }
    }

    /// Does what the document's autosave plan said: arms (re-arms) its timer or starts a
    /// save. Called with the lock held.
    func perform(_ action: AutosavePlan.Action, for session: inout Session) {
        switch action {
        case .none:
            break
        case .armTimer(let deadline):
            let id = session.id
            session.saveTimer?.cancel()
            session.saveTimer = clock.schedule(at: deadline) { [weak self] in self?.saveTimerFired(for: id) }
        case .save:
            guard let path = session.autosavePath else { return session.autosave.saveNotStarted() }
            let job = SaveJob(id: session.id, generation: session.generation, path: path, snapshot: session.document.snapshot)
            do {
                try pool.submit(priority: .low, key: "autosave/\(session.id)", concurrencyClass: Self.autosaveClass) { [weak self] context in
                    self?.runAutosave(job, context: context)
                }
            } catch {
                session.autosave.saveNotStarted()
            }
        }
    }

    private func saveTimerFired(for id: DocumentID) {
        state.withLock { state in
            guard var session = state.sessions[id], !session.isClosed, !state.isShuttingDown, session.autosavePath != nil else { return }
            session.saveTimer = nil
            perform(session.autosave.timerFired(version: session.document.version), for: &session)
            state.sessions[id] = session
        }
    }

    private func runAutosave(_ job: SaveJob, context: TaskContext) {
        _ = write(job, context: context)
        state.withLock { state in
            guard var session = state.sessions[job.id], session.generation == job.generation else { return }
            // Edits that came while saving: save again after the usual delay.
            perform(session.autosave.saveEnded(version: session.document.version, at: clock.now, armsTimer: !state.isShuttingDown), for: &session)
            state.sessions[job.id] = session
        }
    }

    /// Writes one version through the autosaver (one write per file at a time; an older
    /// version never replaces a newer one), records the outcome and emits `saved`, or
    /// `saveFailed` when `reportsFailure` (a caller that gets the error thrown is told
    /// that way instead). Returns the version the file now holds, or the failure.
    func write(_ job: SaveJob, context: TaskContext?, reportsFailure: Bool = true) -> Result<UInt64, SaveFailure> {
        let reportsProgress = job.snapshot.utf8Count >= Self.progressThresholdBytes
        let request = Autosaver.Request(generation: job.generation, version: job.snapshot.version, path: job.path, text: job.snapshot.text)
        let outcome = autosaver.write(request) { fraction in
            context?.reportProgress(fraction, message: "writing \(job.path)")
            if reportsProgress { emitProgress(job.id, task: "autosave", fraction: fraction, message: "writing \(job.path)") }
        }
        return state.withLock { state -> Result<UInt64, SaveFailure> in
            let isCurrentFile = state.sessions[job.id].map { $0.generation == job.generation && $0.autosavePath == job.path } ?? false
            switch outcome {
            case .written, .alreadyOnDisk:
                var onDisk = job.snapshot.version
                if case .alreadyOnDisk(let version) = outcome { onDisk = version }
                if isCurrentFile { state.sessions[job.id]!.autosave.written(onDisk) }
                if outcome == .written {
                    emit(.saved(SaveResult(documentID: job.id, version: job.snapshot.version, path: job.path)), in: &state)
                }
                return .success(onDisk)
            case .failed(let error):
                var retryAt: MonotonicInstant?
                var failures = 1
                if job.retries, isCurrentFile, var session = state.sessions[job.id], !session.isClosed, !state.isShuttingDown {
                    let retry = session.autosave.writeFailed(at: clock.now)
                    failures = retry.failures
                    retryAt = retry.retryAt
                    perform(.armTimer(retry.retryAt), for: &session)
                    state.sessions[job.id] = session
                }
                let failure = SaveFailure(
                    documentID: job.id, version: job.snapshot.version, path: job.path,
                    message: error.description, consecutiveFailures: failures, retryAt: retryAt
                )
                if reportsFailure { emit(.saveFailed(failure), in: &state) }
                return .failure(failure)
            }
        }
    }
}
