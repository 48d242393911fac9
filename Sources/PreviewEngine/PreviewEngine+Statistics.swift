import DocumentModel
import ThreadPool

extension PreviewEngine {
    /// Documents at least this large report the progress of autosaves as events.
    static let progressThresholdBytes = 1 << 20

    /// Counts the current version now (IDLE task); the result arrives as a
    /// ``PreviewEvent/statistics(_:)`` event.
    public func requestStatistics(_ id: DocumentID) throws(EngineError) {
        try state.withLock { state throws(EngineError) in
            guard state.sessions[id] != nil else { throw .unknownDocument(id) }
            submitStatistics(for: id, in: &state)
        }
    }

    func emitProgress(_ id: DocumentID, task: String, fraction: Double, message: String) {
        state.withLock { state in
            emit(.progress(TaskProgressReport(documentID: id, task: task, fraction: fraction, message: message)), in: &state)
        }
    }

    func statisticsTimerFired(for id: DocumentID) {
        state.withLock { state in
            guard state.sessions[id] != nil, !state.isShuttingDown else { return }
            state.sessions[id]!.statisticsTimer = nil
            submitStatistics(for: id, in: &state)
        }
    }

    private func submitStatistics(for id: DocumentID, in state: inout EngineState) {
        guard let session = state.sessions[id], !session.isClosed else { return }
        let generation = session.generation
        _ = try? pool.submit(priority: .idle, key: "statistics/\(id)") { [weak self] context in
            guard let self else { return }
            runStatistics(for: id, generation: generation, context: context)
        }
    }

    private func runStatistics(for id: DocumentID, generation: UInt64, context: TaskContext) {
        let snapshot: TextSnapshot? = state.withLock { state in
            guard let session = state.sessions[id], session.generation == generation, !state.isShuttingDown else { return nil }
            return session.document.snapshot
        }
        guard let snapshot else { return }
        let reportsProgress = snapshot.utf8Count >= Self.progressThresholdBytes
        let statistics = DocumentStatistics.compute(documentID: id, version: snapshot.version, text: snapshot.text) { fraction in
            context.reportProgress(fraction, message: "counting")
            if reportsProgress { emitProgress(id, task: "statistics", fraction: fraction, message: "counting") }
        }
        guard !context.isCancelled else { return }
        state.withLock { state in
            guard let session = state.sessions[id], session.generation == generation else { return }
            emit(.statistics(statistics), in: &state)
        }
    }
}
