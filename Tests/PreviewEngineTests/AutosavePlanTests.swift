@testable import PreviewEngine
import Testing
import Saving

/// The autosave rules as a value: no threads, no clock, no files.
@Suite("engine: the autosave plan")
struct AutosavePlanTests {
    let delays = AutosavePlan.Delays(delay: .seconds(1), retryBase: .milliseconds(500), retryMax: .seconds(4))
    func at(_ milliseconds: Int64) -> MonotonicInstant { MonotonicInstant(nanoseconds: milliseconds * 1_000_000) }

    @Test("the first edit arms the timer; later keystrokes and edits during a save do not push it back")
    func debounce() {
        var plan = AutosavePlan(delays: delays)
        #expect(plan.edited(at: at(0)) == .armTimer(at(1000)))
        #expect(plan.edited(at: at(300)) == .none)
        #expect(plan.timerFired(version: 2) == .save)
        #expect(plan.edited(at: at(1100)) == .none, "a save runs")
        plan.written(2)
        #expect(plan.saveEnded(version: 3, at: at(1200)) == .armTimer(at(2200)), "edits came meanwhile")
        #expect(plan.timerFired(version: 3) == .save)
        plan.written(3)
        #expect(plan.saveEnded(version: 3, at: at(2300)) == .none, "nothing new")
        #expect(!plan.isBehind(3))
    }

    @Test("a timer that fires with nothing new to write starts no save")
    func nothingToSave() {
        var plan = AutosavePlan(delays: delays)
        plan.written(4)
        _ = plan.edited(at: at(0))
        #expect(plan.timerFired(version: 4) == .none)
        #expect(plan.edited(at: at(10)) == .armTimer(at(1010)), "the timer is free again")
    }

    @Test("failures back off exponentially up to the maximum; a success resets them")
    func backoff() {
        var plan = AutosavePlan(delays: delays)
        _ = plan.edited(at: at(0))
        #expect(plan.timerFired(version: 1) == .save)
        let delaysSeen = (1...5).map { index -> Int64 in
            let retry = plan.writeFailed(at: at(0))
            #expect(retry.failures == index)
            return retry.retryAt.nanoseconds / 1_000_000
        }
        #expect(delaysSeen == [500, 1000, 2000, 4000, 4000])
        #expect(plan.saveEnded(version: 1, at: at(0)) == .none, "the retry timer is armed; no second one")
        #expect(plan.timerFired(version: 1) == .save)
        plan.written(1)
        #expect(plan.consecutiveFailures == 0)
    }

    @Test("the saved version only moves forward, except when the file itself changes")
    func versions() {
        var plan = AutosavePlan(delays: delays)
        plan.written(9)
        plan.written(7)
        #expect(plan.savedVersion == 9, "an older write finishing late does not lower it")
        plan.moved(holding: 3)
        #expect(plan.savedVersion == 3)
        #expect(plan.isBehind(4))
    }

    @Test("while shutting down a finished save arms nothing; a save that could not start is not running")
    func shutdownAndRefusal() {
        var plan = AutosavePlan(delays: delays)
        _ = plan.edited(at: at(0))
        #expect(plan.timerFired(version: 1) == .save)
        plan.saveNotStarted()
        #expect(!plan.isSaving)
        #expect(plan.edited(at: at(5)) == .armTimer(at(1005)))
        #expect(plan.timerFired(version: 2) == .save)
        #expect(plan.saveEnded(version: 3, at: at(10), armsTimer: false) == .none)
    }
}
