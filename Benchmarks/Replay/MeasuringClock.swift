// An EngineClock that forwards to the replay's clock and also measures each render's
// thread CPU time.

import Foundation
import PreviewEngine
import Primitives
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a render is charged in virtual time.
enum RenderCharge: String, Sendable, Codable {
    /// Its wall-clock duration on the pool thread (what `ManualEngineClock` charges with
    /// `renderDuration == nil`): real, but inflated when the machine is busy.
    case wall
    /// The pool thread's CPU time during the render (CLOCK_THREAD_CPUTIME_ID): what the
    /// render costs on a core of its own; preemption by other processes is not charged.
    case cpu
}

/// Forwards `now`, timers and `completeWork` to `base` (a `ManualEngineClock` or the
/// system clock); `measure` times the render itself, by wall clock and by thread CPU
/// time, keeps both totals, and returns the one chosen by `charge` (always the wall
/// time on a real clock, where that time has really passed).
final class MeasuringClock: EngineClock {
    let base: any EngineClock
    let charge: RenderCharge
    private let totals = Locked<(wallNs: Int64, cpuNs: Int64)>((0, 0))
    /// Each render's charge, in nanoseconds, in the order they ran.
    private let charges = Locked<[Int64]>([])

    init(base: any EngineClock, charge: RenderCharge) {
        self.base = base
        self.charge = charge
    }

    var now: MonotonicInstant { base.now }

    func schedule(at deadline: MonotonicInstant, _ action: @escaping @Sendable () -> Void) -> any ScheduledTimer {
        base.schedule(at: deadline, action)
    }

    func measureRender(_ work: () -> Void) -> Duration {
        let cpuStart = threadCPUNanoseconds()
        let wallStart = monotonicNanoseconds()
        work()
        let wall = monotonicNanoseconds() - wallStart
        let cpu = threadCPUNanoseconds() - cpuStart
        totals.withLock {
            $0.wallNs += wall
            $0.cpuNs += cpu
        }
        let charged = charge == .cpu && base is ManualEngineClock ? cpu : wall
        charges.withLock { $0.append(charged) }
        return .nanoseconds(charged)
    }

    func completeWork(after duration: Duration, _ completion: @escaping @Sendable () -> Void) {
        base.completeWork(after: duration, completion)
    }

    /// The median charge of the renders measured so far, in milliseconds.
    var medianChargeMs: Double {
        let sorted = charges.withLock { $0 }.sorted()
        return sorted.isEmpty ? 0 : Double(sorted[sorted.count / 2]) / 1e6
    }

    /// The charge of the first render (the whole document, before any edit), in milliseconds.
    var firstChargeMs: Double {
        charges.withLock { $0.first }.map { Double($0) / 1e6 } ?? 0
    }

    /// Sums over every render measured so far, in milliseconds.
    var renderTotals: (wallMs: Double, cpuMs: Double) {
        totals.withLock { (Double($0.wallNs) / 1e6, Double($0.cpuNs) / 1e6) }
    }
}

/// CPU time of the calling thread, in nanoseconds.
func threadCPUNanoseconds() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
}
