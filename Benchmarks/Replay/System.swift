// Process memory, sleeping on CLOCK_MONOTONIC, the progress bar.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum ProcessMemory {
    /// The process's peak resident set size (`VmHWM` of `/proc/self/status`), in bytes.
    static func peakRSSBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return (Int(String(line.dropFirst(6).filter(\.isNumber))) ?? 0) * 1024
        }
        return 0
    }

    /// Resets the peak to the current RSS (Linux 4.0+: `echo 5 > /proc/self/clear_refs`).
    /// Returns whether the kernel accepted it.
    static func resetPeak() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }
}

/// Nanoseconds of CLOCK_MONOTONIC, the clock of `SystemEngineClock`.
func monotonicNanoseconds() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
}

/// Sleeps until CLOCK_MONOTONIC reads `deadline` (returns at once if it has passed).
func sleep(untilMonotonic deadline: Int64) {
    var spec = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
    #if canImport(Glibc)
    while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &spec, nil) == EINTR {}
    #else
    let now = monotonicNanoseconds()
    if deadline > now { usleep(UInt32((deadline - now) / 1000)) }
    _ = spec
    #endif
}

/// Writes `text` to stderr.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// A one-line progress bar on stderr, drawn only when stderr is a terminal, at most ten
/// times a second. Used from one thread.
final class ProgressBar {
    private let enabled: Bool
    private var lastDraw: Int64 = 0
    private var label = ""
    private var started: Int64 = 0
    private var drawn = false

    init(enabled: Bool) {
        self.enabled = enabled && isatty(2) != 0
    }

    func begin(_ label: String) {
        self.label = label
        started = monotonicNanoseconds()
        lastDraw = 0
    }

    /// Cheap unless a redraw is due; call it often.
    func update(done: Int, total: Int) {
        guard enabled else { return }
        let now = monotonicNanoseconds()
        guard now - lastDraw >= 100_000_000 || done == total else { return }
        lastDraw = now
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let width = 28
        let filled = min(width, Int(fraction * Double(width)))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let elapsed = Double(now - started) / 1e9
        let eta = fraction > 0.01 ? String(format: " eta %.0fs", elapsed / fraction - elapsed) : ""
        let line = "\r\u{1B}[2K\(label) [\(bar)] " + String(format: "%3.0f%% %d/%d %.1fs", fraction * 100, done, total, elapsed) + eta
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    func end() {
        guard enabled, drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
        drawn = false
    }

    /// A note on its own line, above the bar.
    func note(_ text: String) {
        end()
        printError(text)
    }
}
