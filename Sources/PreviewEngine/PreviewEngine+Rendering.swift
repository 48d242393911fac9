import MarkdownRenderer
import DocumentModel
import IncrementalRender
import RenderWorkers
import ThreadPool

extension PreviewEngine {
    /// Does what the document's render plan decided. Called with the lock held.
    func act(on action: RenderPlan.Action, for id: DocumentID, in state: inout EngineState) {
        switch action {
        case .submit:
            submitRender(for: id, in: &state)
        case .armTimer(let deadline):
            state.sessions[id]?.renderTimer?.cancel()
            state.sessions[id]?.renderTimer = clock.schedule(at: deadline) { [weak self] in self?.renderTimerFired(for: id) }
        case .none:
            break
        }
    }

    private func renderTimerFired(for id: DocumentID) {
        state.withLock { state in
            guard let session = state.sessions[id], !session.isClosed, !state.isShuttingDown else { return }
            state.sessions[id]!.renderTimer = nil
            act(on: state.sessions[id]!.render.timerFired(at: clock.now, textSize: session.document.utf8Count), for: id, in: &state)
        }
    }

    /// Queues a HIGH render task for the document. A render of it still queued is
    /// replaced (coalesced): the new task takes its place and renders the text current
    /// when it starts. Called with the lock held.
    private func submitRender(for id: DocumentID, in state: inout EngineState) {
        guard var session = state.sessions[id], !session.isClosed else { return }
        session.renderTimer?.cancel()
        session.renderTimer = nil
        let generation = session.generation
        do {
            let handle = try pool.submit(priority: .high, key: "render/\(id)") { [weak self] context in
                guard let self else { return }
                runRender(for: id, generation: generation, context: context)
            }
            session.render.submitted(coalesced: handle.coalescedTaskID != nil)
            session.queuedRender = handle
        } catch {
            // The pool is shutting down: nothing more is rendered.
        }
        state.sessions[id] = session
    }

    /// The body of a render task, on a pool thread: it takes the document's blocks out
    /// of the session, brings them to the current text (re-parsing only what changed when
    /// that is exact), and puts them back.
    private func runRender(for id: DocumentID, generation: UInt64, context: TaskContext) {
        typealias Start = (TextSnapshot, TextChanges?, IncrementalDocument, MarkdownRenderer, MonotonicInstant, Bool)
        let start: Start? = state.withLock { state -> Start? in
            guard var session = state.sessions[id], session.generation == generation, !session.isClosed, !context.isCancelled,
                  let blocks = session.blocks
            else { return nil }
            let now = clock.now
            guard session.render.startRender(currentVersion: session.document.version, at: now) else { return nil }
            session.queuedRender = nil
            session.renderTimer?.cancel()
            session.renderTimer = nil
            session.blocks = nil
            let snapshot = session.document.snapshot
            let changes = session.document.takeChanges()
            state.sessions[id] = session
            return (snapshot, configuration.incrementalRendering ? changes : nil, blocks, session.renderer, now, state.isShuttingDown)
        }
        guard let (snapshot, changes, taken, renderer, startedAt, isShuttingDown) = start else { return }
        var blocks = taken
        var patch = Result<BlockPatch, RenderFailure>.failure(.crash("not rendered"))
        let duration = clock.measureRender { patch = renderBackend.update(&blocks, to: snapshot, changes: changes, with: renderer) }
        let content = blocks.content
        let update = blocks.lastUpdate
        state.withLock { state in
            if state.sessions[id]?.generation == generation { state.sessions[id]!.blocks = blocks }
        }
        let output = RenderOutput(
            version: snapshot.version, result: patch.map { ($0, content, update) }, textSize: snapshot.utf8Count,
            duration: duration, startedAt: startedAt
        )
        let cancelled = context.isCancelled
        let finish: @Sendable () -> Void = { [weak self] in
            self?.finishRender(output, for: id, generation: generation, cancelled: cancelled)
        }
        // While shutting down nobody moves a virtual clock any more: deliver at once.
        if isShuttingDown { finish() } else { clock.completeWork(after: duration, finish) }
    }

    /// A render task finished: deliver it if it is still news (or report its failure),
    /// then do what the plan says next. Deliveries are queued under the lock, so in
    /// version order.
    private func finishRender(_ output: RenderOutput, for id: DocumentID, generation: UInt64, cancelled: Bool) {
        state.withLock { state in
            guard let session = state.sessions[id], session.generation == generation, !session.isClosed else { return }
            switch output.result {
            case .success(let rendered):
                deliverRender(output, rendered: rendered, for: id, cancelled: cancelled, in: &state)
            case .failure(let failure):
                reportFailure(failure, of: output, for: id, in: &state)
            }
        }
    }

    private func deliverRender(
        _ output: RenderOutput, rendered: (patch: BlockPatch, content: RenderedContent, update: UpdateKind),
        for id: DocumentID, cancelled: Bool, in state: inout EngineState
    ) {
        var session = state.sessions[id]!
        let finish = session.render.renderFinished(
            version: output.version, duration: output.duration, at: clock.now, cancelled: cancelled,
            currentVersion: session.document.version, shuttingDown: state.isShuttingDown
        )
        if finish.deliveredEditTime != nil, let statisticsDelay = configuration.statisticsDelay,
           session.statisticsTimer == nil, !state.isShuttingDown {
            session.statisticsTimer = clock.schedule(at: clock.now.advanced(by: statisticsDelay)) { [weak self] in
                self?.statisticsTimerFired(for: id)
            }
        }
        state.sessions[id] = session
        if let editedAt = finish.deliveredEditTime {
            emit(.rendered(RenderResult(
                documentID: id, version: output.version, patch: rendered.patch, content: rendered.content,
                update: rendered.update, renderDuration: output.duration,
                editedAt: editedAt, startedAt: output.startedAt, deliveredAt: output.startedAt.advanced(by: output.duration)
            )), in: &state)
        }
        act(on: finish.next, for: id, in: &state)
    }

    /// A render failed: `renderFailed`, and `previewPaused` when the breaker opened.
    private func reportFailure(_ failure: RenderFailure, of output: RenderOutput, for id: DocumentID, in state: inout EngineState) {
        let outcome = state.sessions[id]!.render.renderFailed(
            version: output.version, textSize: output.textSize, duration: output.duration, at: clock.now,
            currentVersion: state.sessions[id]!.document.version, shuttingDown: state.isShuttingDown
        )
        emit(.renderFailed(RenderFailureReport(
            documentID: id, version: output.version, reason: failure, consecutiveFailures: outcome.consecutiveFailures
        )), in: &state)
        if let until = outcome.pausedUntil {
            emit(.previewPaused(PreviewPause(
                documentID: id, reason: failure, consecutiveFailures: outcome.consecutiveFailures, until: until
            )), in: &state)
        }
        act(on: outcome.next, for: id, in: &state)
    }
}
