import Primitives
import TestSupport
import Testing
@testable import ThreadPool

@Suite("Clocks")
struct ClockTests {
    @Test("the manual clock only moves when advanced")
    func manualClock() {
        let clock = ManualClock(start: .milliseconds(5))
        #expect(clock.now.nanoseconds == 5_000_000)
        #expect(clock.now.nanoseconds == 5_000_000)
        clock.advance(by: .microseconds(250))
        #expect(clock.now.nanoseconds == 5_250_000)
        clock.advance(by: .seconds(-1))
        #expect(clock.now.nanoseconds == 5_250_000)
    }

    @Test("the system clock is monotonic")
    func systemClock() {
        let clock = SystemClock()
        var previous = clock.now
        for _ in 0..<1000 {
            let reading = clock.now
            #expect(reading >= previous)
            previous = reading
        }
        #expect(previous.nanoseconds > 0)
    }
}

/// The package's one clock protocol on the manual clock: timers, sleeps and waits decided
/// by advancing it.
@Suite("Clocks: timers, sleeps and waits on the manual clock")
struct ManualClockTests {
    @Test("timers fire in deadline order (ties in the order armed) when the clock passes them; cancelled ones never")
    func timers() {
        let clock = ManualClock()
        let fired = Locked<[String]>([])
        for (name, ms) in [("c", 30), ("a", 10), ("b", 10), ("d", 40)] {
            _ = clock.schedule(at: .zero.advanced(by: .milliseconds(ms))) { fired.withLock { $0.append(name) } }
        }
        let cancelled = clock.schedule(after: .milliseconds(20)) { fired.withLock { $0.append("cancelled") } }
        cancelled.cancel()
        #expect(clock.armedTimers == 4)
        clock.advance(by: .milliseconds(9))
        #expect(fired.withLock { $0 }.isEmpty)
        clock.advance(by: .milliseconds(21))
        #expect(fired.withLock { $0 } == ["a", "b", "c"])
        #expect(clock.now == .zero.advanced(by: .milliseconds(30)))
        #expect(clock.nextDeadline == .zero.advanced(by: .milliseconds(40)))
    }

    @Test("Task.sleep on the manual clock resumes when it is advanced past the deadline, and throws when cancelled")
    func sleeps() async throws {
        let clock = ManualClock()
        let sleeper = Task { try await Task.sleep(until: .zero.advanced(by: .seconds(5)), clock: clock) }
        #expect(await offThread { clock.waitForTimers(1) })
        clock.advance(by: .seconds(4))
        #expect(clock.armedTimers == 1, "not yet")
        clock.advance(by: .seconds(1))
        try await sleeper.value
        let cancelled = Task { try await Task.sleep(until: .zero.advanced(by: .seconds(60)), clock: clock) }
        #expect(await offThread { clock.waitForTimers(1) })
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(clock.armedTimers == 0, "its timer was cancelled")
    }

    @Test("a wait on a lock with a deadline on the manual clock ends when the clock passes it, or when its condition holds")
    func lockWaits() async {
        let clock = ManualClock()
        let value = Locked(0)
        let timedOut = Task.detached {
            await offThread { value.withLock(waitingUntil: { $0 == 1 }, deadline: .zero.advanced(by: .seconds(2)), clock: clock) { _, ready in ready } }
        }
        #expect(await offThread { clock.waitForTimers(1) })
        clock.advance(by: .seconds(2))
        #expect(await timedOut.value == false)
        let satisfied = Task.detached {
            await offThread { value.withLock(waitingUntil: { $0 == 1 }, deadline: clock.now.advanced(by: .seconds(2)), clock: clock) { _, ready in ready } }
        }
        #expect(await offThread { clock.waitForTimers(1) })
        value.withLock { $0 = 1 }
        value.broadcast()
        #expect(await satisfied.value == true)
        #expect(value.withLock(waitingUntil: { $0 == 2 }, deadline: clock.now, clock: clock) { _, ready in ready } == false, "a deadline that has passed checks once")
    }
}
