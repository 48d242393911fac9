import Foundation
import Primitives
import TaskService

/// A task's progress on standard error: on a terminal, one line redrawn in place (at
/// most 20 times a second) as `[#####-----]  50%  message`; otherwise a line at every
/// tenth of the work (redraws throttled by `clock`). Thread-safe.
final class ProgressBar: Sendable {
    private let terminal: Bool
    private let clock: any PreviewClock
    private static let width = 30
    private let state = Locked(State())

    private struct State {
        var lastDraw: MonotonicInstant?
        var lastTenth = -1
        var lastLine = ""
        var drawn = false
    }

    init(terminal: Bool, clock: any PreviewClock = SystemClock()) {
        self.terminal = terminal
        self.clock = clock
    }

    /// Shows `progress`.
    func show(_ progress: TaskStatus.Progress) {
        let fraction = progress.fraction ?? 0
        let percent = Int((fraction * 100).rounded(.down))
        let message = progress.message ?? "starting"
        let text = state.withLock { state -> String? in
            if !terminal {
                guard percent / 10 > state.lastTenth else { return nil }
                state.lastTenth = percent / 10
                return "export: \(percent)%  \(message)\n"
            }
            let now = clock.now
            if let last = state.lastDraw, last.duration(to: now) < .milliseconds(50), fraction < 1 { return nil }
            let filled = Int((fraction * Double(Self.width)).rounded(.down))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: Self.width - filled)
            let line = "[\(bar)] \(String(repeating: " ", count: 3 - String(percent).count))\(percent)%  \(message.prefix(60))"
            guard line != state.lastLine else { return nil }
            state.lastDraw = now
            state.lastLine = line
            state.drawn = true
            return "\r\u{1B}[K" + line
        }
        if let text { FileHandle.standardError.write(Data(text.utf8)) }
    }

    /// Ends the redrawn line.
    func finish() {
        let drawn = state.withLock { state in
            defer { state.drawn = false }
            return state.drawn
        }
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
