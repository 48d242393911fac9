import Foundation
package import Primitives
package import RenderWorkers

/// Render workers for deadline tests: a document that contains ``marker`` makes its
/// worker hang until it is killed (`render-worker --test-hang-on`), without burning a
/// core, and the deadlines are timers on a manual clock. A test arms a deadline (starts
/// the render), waits until the request is in the worker's pipe, advances the clock, and
/// checks the kill, the reap and the failure: no real deadline, no slow input.
package struct HangingWorkers: Sendable {
    /// Text that makes a worker hang when a document contains it.
    package static let marker = "mdpreview-test: hang until killed"

    /// A document that hangs its worker.
    package static let document = "# Stuck\n\n\(marker)\n"

    /// The pool.
    package let pool: RenderWorkerPool
    /// Its deadlines' clock.
    package let clock: ManualClock
    /// The pids of workers whose request is wholly sent, in order.
    package let sent = Locked<[Int32]>([])

    /// A pool of `workers` `mdpreview render-worker` processes within `limits`.
    package init(workers: Int = 1, limits: RenderLimits = RenderLimits()) throws {
        let clock = ManualClock()
        let sent = self.sent
        self.clock = clock
        pool = RenderWorkerPool(
            executable: try Subprocess.builtProduct("mdpreview").path, workerCount: workers, limits: limits,
            clock: clock, testHangMarker: Self.marker,
            requestSent: { pid in
                sent.withLock { $0.append(pid) }
                sent.broadcast()
            }
        )
    }

    /// Waits until `count` requests in all have been sent, and returns the pid of the
    /// worker that took the last of them (nil if that did not happen within two minutes
    /// of real time: a safety net, not a measurement).
    package func waitForRequests(_ count: Int) -> Int32? {
        sent.withLock(waitingUntil: { $0.count >= count }, deadline: MonotonicInstant.now.advanced(by: .seconds(120))) { pids, done in
            done ? pids[count - 1] : nil
        }
    }
}
