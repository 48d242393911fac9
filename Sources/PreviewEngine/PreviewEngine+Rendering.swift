import MarkdownRenderer
import DocumentModel
import WorkerPool

extension PreviewEngine {
    /// Does what the debouncer decided. Called with the lock held.
    func act(on decision: RenderDecision, for id: DocumentID, in state: inout EngineState) {
        switch decision {
        case .renderNow:
            submitRender(for: id, in: &state)
        case .renderAt(let deadline):
            state.sessions[id]?.renderTimer?.cancel()
            state.sessions[id]?.renderTimer = clock.schedule(at: deadline) { [weak self] in self?.renderTimerFired(for: id) }
        case .awaitingRender, .idle:
            break
        }
    }

    private func renderTimerFired(for id: DocumentID) {
        state.withLock { state in
            guard let session = state.sessions[id], !session.isClosed, !state.isShuttingDown else { return }
            state.sessions[id]!.renderTimer = nil
            act(on: session.policy.tick(at: clock.now), for: id, in: &state)
        }
    }

    /// Queues a HIGH render task for the document. A render of it still queued is
    /// replaced (coalesced): the new task takes its place and renders the text current
    /// when it starts. Called with the lock held.
    func submitRender(for id: DocumentID, in state: inout EngineState) {
        guard var session = state.sessions[id], !session.isClosed else { return }
        session.renderTimer?.cancel()
        session.renderTimer = nil
        let generation = session.generation
        do {
            let handle = try pool.submit(name: "render", priority: .high, key: "render/\(id)") { [weak self] context in
                guard let self else { return }
                runRender(for: id, generation: generation, context: context)
            }
            session.counters.requested += 1
            if handle.coalescedTaskID != nil { session.counters.coalesced += 1 }
            session.queuedRender = handle
        } catch {
            // The pool is shutting down: nothing more is rendered.
        }
        state.sessions[id] = session
    }

    /// The body of a render task, on a worker thread.
    private func runRender(for id: DocumentID, generation: UInt64, context: TaskContext) {
        let start: (TextSnapshot, MarkdownRenderer, MonotonicInstant, Bool)? = state.withLock { state -> (TextSnapshot, MarkdownRenderer, MonotonicInstant, Bool)? in
            guard var session = state.sessions[id], session.generation == generation, !session.isClosed,
                  !context.isCancelled, !session.isRendering,
                  session.lastDeliveredVersion != session.document.version || session.renderAgainAtOnce
            else { return nil }
            let now = clock.now
            session.queuedRender = nil
            session.isRendering = true
            session.renderTimer?.cancel()
            session.renderTimer = nil
            session.policy.renderStarted(at: now)
            session.counters.started += 1
            let snapshot = session.document.snapshot
            state.sessions[id] = session
            return (snapshot, session.renderer, now, state.isShuttingDown)
        }
        guard let (snapshot, renderer, startedAt, isShuttingDown) = start else { return }
        let text = snapshot.text
        var html = ""
        let duration = clock.measure { html = renderer.render(text) }
        let output = RenderOutput(version: snapshot.version, html: html, duration: duration, startedAt: startedAt)
        let cancelled = context.isCancelled
        let finish: @Sendable () -> Void = { [weak self] in
            self?.finishRender(output, for: id, generation: generation, cancelled: cancelled)
        }
        // While shutting down nobody moves a virtual clock any more: deliver at once.
        if isShuttingDown { finish() } else { clock.completeWork(after: duration, finish) }
    }

    /// A render task finished: deliver it if it is still news, then decide what next.
    private func finishRender(_ output: RenderOutput, for id: DocumentID, generation: UInt64, cancelled: Bool) {
        state.withLock { state in
            guard var session = state.sessions[id], session.generation == generation, !session.isClosed else { return }
            session.isRendering = false
            session.counters.renderTime += output.duration
            var decision = session.policy.renderFinished(at: clock.now, duration: output.duration)
            if session.renderAgainAtOnce, session.policy.hasUnrenderedEdits || session.lastDeliveredVersion != session.document.version {
                decision = .renderNow
            }
            session.renderAgainAtOnce = false
            state.sessions[id] = session
            if cancelled {
                state.sessions[id]!.counters.discarded += 1
            } else {
                deliver(output, for: id, in: &state)
            }
            if state.isShuttingDown {
                // Only what the final version still needs: no timers.
                let session = state.sessions[id]!
                if session.lastDeliveredVersion != session.document.version { submitRender(for: id, in: &state) }
            } else {
                act(on: decision, for: id, in: &state)
            }
        }
    }

    /// Queues the result for subscribers unless a version as new was delivered already.
    /// Called with the lock held, so deliveries are queued in version order.
    private func deliver(_ output: RenderOutput, for id: DocumentID, in state: inout EngineState) {
        guard var session = state.sessions[id] else { return }
        if let last = session.lastDeliveredVersion, last >= output.version {
            session.counters.discarded += 1
            state.sessions[id] = session
            return
        }
        session.lastDeliveredVersion = output.version
        session.counters.delivered += 1
        var editedAt = session.openedAt
        while let first = session.editTimes.first, first.version <= output.version {
            editedAt = first.at
            session.editTimes.removeFirst()
        }
        let result = RenderResult(
            documentID: id, version: output.version, html: output.html, renderDuration: output.duration,
            editedAt: editedAt, startedAt: output.startedAt, deliveredAt: output.startedAt.advanced(by: output.duration)
        )
        if configuration.computesStatistics, session.statisticsTimer == nil, !session.isClosed, !state.isShuttingDown {
            session.statisticsTimer = clock.schedule(at: clock.now.advanced(by: configuration.statisticsDelay)) { [weak self] in
                self?.statisticsTimerFired(for: id)
            }
        }
        state.sessions[id] = session
        emit(.rendered(result), in: &state)
    }
}
