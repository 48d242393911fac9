import Foundation
import TaskService

/// A task's progress on standard error: on a terminal, one line redrawn in place (at
/// most 20 times a second) as `[#####-----]  50%  message`; otherwise a line at every
/// tenth of the work.
final class ProgressBar: @unchecked Sendable {
    private let terminal: Bool
    private let width = 30
    private let lock = NSLock()
    private var lastDraw = ContinuousClock.now - .seconds(1)
    private var lastTenth = -1
    private var drawn = false
    private var lastLine = ""

    init(terminal: Bool) {
        self.terminal = terminal
    }

    /// Shows `progress`.
    func show(_ progress: TaskStatus.Progress) {
        lock.withLock {
            let fraction = progress.fraction ?? 0
            let percent = Int((fraction * 100).rounded(.down))
            if terminal {
                let now = ContinuousClock.now
                guard now - lastDraw >= .milliseconds(50) || fraction >= 1 else { return }
                lastDraw = now
                let filled = Int((fraction * Double(width)).rounded(.down))
                let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
                let message = String((progress.message ?? "starting").prefix(60))
                let line = "[\(bar)] \(String(repeating: " ", count: 3 - String(percent).count))\(percent)%  \(message)"
                guard line != lastLine else { return }
                lastLine = line
                FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
                drawn = true
            } else {
                let tenth = percent / 10
                guard tenth > lastTenth else { return }
                lastTenth = tenth
                FileHandle.standardError.write(Data("export: \(percent)%  \(progress.message ?? "starting")\n".utf8))
            }
        }
    }

    /// Ends the redrawn line.
    func finish() {
        lock.withLock {
            if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
            drawn = false
        }
    }
}
