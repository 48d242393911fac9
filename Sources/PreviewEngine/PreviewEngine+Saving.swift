import DocumentModel
import WorkerPool

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
                session.savedVersion = onDisk
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

    func armSaveTimer(for id: DocumentID, at deadline: MonotonicInstant) -> any ScheduledTimer {
        clock.schedule(at: deadline) { [weak self] in self?.saveTimerFired(for: id) }
    }

    private func saveTimerFired(for id: DocumentID) {
        state.withLock { state in
            guard var session = state.sessions[id], !session.isClosed, !state.isShuttingDown, let path = session.autosavePath else { return }
            session.saveTimer = nil
            guard session.hasUnsavedChanges, !session.isSaving else {
                state.sessions[id] = session
                return
            }
            session.isSaving = true
            let job = SaveJob(id: id, generation: session.generation, path: path, snapshot: session.document.snapshot)
            state.sessions[id] = session
            do {
                try pool.submit(name: "autosave", priority: .low, key: "autosave/\(id)", concurrencyClass: Self.autosaveClass) { [weak self] context in
                    guard let self else { return }
                    runAutosave(job, context: context)
                }
            } catch {
                state.sessions[id]!.isSaving = false
            }
        }
    }

    private func runAutosave(_ job: SaveJob, context: TaskContext) {
        _ = write(job, context: context)
        state.withLock { state in
            guard var session = state.sessions[job.id], session.generation == job.generation else { return }
            session.isSaving = false
            // Edits that came while saving: save again after the usual delay.
            if session.hasUnsavedChanges, session.saveTimer == nil, session.consecutiveSaveFailures == 0, !state.isShuttingDown {
                session.saveTimer = armSaveTimer(for: job.id, at: clock.now.advanced(by: configuration.autosaveDelay))
            }
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
                if isCurrentFile {
                    state.sessions[job.id]!.savedVersion = max(state.sessions[job.id]!.savedVersion ?? 0, onDisk)
                    state.sessions[job.id]!.consecutiveSaveFailures = 0
                }
                if outcome == .written {
                    emit(.saved(SaveResult(documentID: job.id, version: job.snapshot.version, path: job.path)), in: &state)
                }
                return .success(onDisk)
            case .failed(let error):
                var retryAt: MonotonicInstant?
                var failures = 1
                if job.retries, isCurrentFile, var session = state.sessions[job.id], !session.isClosed, !state.isShuttingDown {
                    session.consecutiveSaveFailures += 1
                    failures = session.consecutiveSaveFailures
                    let delay = min(configuration.autosaveRetryMax, configuration.autosaveRetryBase * (1 << min(20, failures - 1)))
                    let deadline = clock.now.advanced(by: delay)
                    session.saveTimer?.cancel()
                    session.saveTimer = armSaveTimer(for: job.id, at: deadline)
                    retryAt = deadline
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
