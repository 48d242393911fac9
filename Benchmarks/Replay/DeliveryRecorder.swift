// The replay's subscriber: a preview client that applies every delivered patch.

import Dispatch
import DocumentModel
import IncrementalRender
import MarkdownRenderer
import PreviewEngine
import Primitives

/// Collects deliveries on the engine's callback queue and applies each one's patch to its
/// own `RenderedDocument`, as a preview client does (a delivery whose patch starts from a
/// version the client has not seen, because the engine kept only the newest render for
/// a busy subscriber, is applied as the content's snapshot). With a verifier, each
/// delivered version's HTML, assembled from the patches, is compared with the full render
/// of that version's text, given beforehand with `expect(_:)`.
final class DeliveryRecorder: Sendable {
    private struct State {
        var versions: [UInt64] = []
        var instants: [Int64] = []
        var client = RenderedDocument()
        var lastVersion: UInt64?
        var target: UInt64 = .max
        var texts: [UInt64: TextSnapshot] = [:]
        var verified = 0
        var mismatches = 0
        var firstMismatch: UInt64?
        var patchBytes = 0
        var fullBytes = 0
        var snapshots = 0
    }

    private let state = Locked(State())
    private let reachedTarget = DispatchSemaphore(value: 0)
    private let verifier: MarkdownRenderer?

    init(verifyingWith verifier: MarkdownRenderer?) {
        self.verifier = verifier
    }

    /// The text of a version that may be delivered (verification only).
    func expect(_ snapshot: TextSnapshot) {
        guard verifier != nil else { return }
        state.withLock { $0.texts[snapshot.version] = snapshot }
    }

    func record(_ result: RenderResult) {
        let hit = state.withLock { state -> Bool in
            state.versions.append(result.version)
            state.instants.append(result.deliveredAt.nanoseconds)
            let patch = result.patch(from: state.client.version)
            if patch.baseVersion != result.patch.baseVersion { state.snapshots += 1 }
            state.patchBytes += patch.htmlByteCount
            state.fullBytes += result.content.htmlByteCount
            do {
                try state.client.apply(patch)
            } catch {
                state.mismatches += 1
                state.firstMismatch = state.firstMismatch ?? result.version
            }
            if let verifier {
                if let text = state.texts[result.version], state.client.html == verifier.render(text.text) {
                    state.verified += 1
                } else {
                    state.mismatches += 1
                    state.firstMismatch = state.firstMismatch ?? result.version
                }
                state.texts = state.texts.filter { $0.key > result.version }
            }
            state.lastVersion = result.version
            return result.version == state.target
        }
        if hit { reachedTarget.signal() }
    }

    /// Arms `waitForTarget`: it returns once `version` is delivered.
    func expect(version: UInt64) {
        let already = state.withLock { state -> Bool in
            state.target = version
            return (state.lastVersion ?? 0) >= version && state.lastVersion != nil
        }
        if already { reachedTarget.signal() }
    }

    func waitForTarget(timeout: Duration) -> Bool {
        reachedTarget.wait(timeout: .now() + .nanoseconds(Int(timeout.components.seconds * 1_000_000_000))) == .success
    }

    var deliveries: (versions: [UInt64], instants: [Int64]) { state.withLock { ($0.versions, $0.instants) } }
    /// The last delivered version and the client's HTML for it.
    var last: (version: UInt64?, html: String) { state.withLock { ($0.lastVersion, $0.client.html) } }

    /// What verification and the patches came to.
    var verification: (verified: Int?, mismatches: Int?, firstMismatch: UInt64?, patchBytes: Int, fullBytes: Int, snapshots: Int) {
        state.withLock { state in
            (verifier == nil ? nil : state.verified, verifier == nil && state.mismatches == 0 ? nil : state.mismatches,
             state.firstMismatch, state.patchBytes, state.fullBytes, state.snapshots)
        }
    }
}
