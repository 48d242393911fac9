package import Primitives

/// When one document's text is written, as a pure state machine: told of edits, timer
/// expiries and write outcomes, it answers with what to do (arm the autosave timer at an
/// instant, start a save, or nothing). The engine keeps the timer and runs the writes;
/// this value keeps the versions and the counts, so the rules are tested without
/// threads or clocks (`AutosavePlanTests`).
///
/// Rules (see `Docs/ENGINE.md`, "Saving"):
/// - An edit arms the timer `delay` after it, unless the timer is armed or a save runs;
///   later keystrokes never push it back.
/// - When the timer fires, a save starts if the file is behind the text and no save
///   runs.
/// - When a save ends, the timer is armed again (`delay` from then) if edits came
///   meanwhile and the save did not fail.
/// - A failed write arms a retry after `retryBase × 2^(failures − 1)`, at most
///   `retryMax`; a successful one resets the count.
package struct AutosavePlan: Sendable, Equatable {
    /// The delays the plan uses.
    package struct Delays: Sendable, Equatable {
        package var delay: Duration
        package var retryBase: Duration
        package var retryMax: Duration

        /// The autosave delay and the retry back-off's base and cap.
        package init(delay: Duration, retryBase: Duration, retryMax: Duration) {
            self.delay = delay
            self.retryBase = retryBase
            self.retryMax = retryMax
        }
    }

    /// What the engine does next.
    package enum Action: Sendable, Equatable {
        case none
        /// Arm (or re-arm) the autosave timer for this instant.
        case armTimer(MonotonicInstant)
        /// Write the current version now.
        case save
    }

    package let delays: Delays
    /// The version the file holds, as far as this engine wrote it.
    package private(set) var savedVersion: UInt64?
    package private(set) var isSaving = false
    package private(set) var isTimerArmed = false
    package private(set) var consecutiveFailures = 0

    package init(delays: Delays) {
        self.delays = delays
    }

    /// Whether `version` still has to be written.
    package func isBehind(_ version: UInt64) -> Bool { savedVersion != version }

    /// An edit was applied at `now`.
    package mutating func edited(at now: MonotonicInstant) -> Action {
        guard !isTimerArmed, !isSaving else { return .none }
        isTimerArmed = true
        return .armTimer(now.advanced(by: delays.delay))
    }

    /// The timer fired while the text is at `version`.
    package mutating func timerFired(version: UInt64) -> Action {
        isTimerArmed = false
        guard isBehind(version), !isSaving else { return .none }
        isSaving = true
        return .save
    }

    /// A save the plan asked for could not be started (the pool refused it).
    package mutating func saveNotStarted() {
        isSaving = false
    }

    /// A save the plan started has ended; the text is now at `version`. With
    /// `armsTimer` false (shutting down) no timer is armed.
    package mutating func saveEnded(version: UInt64, at now: MonotonicInstant, armsTimer: Bool = true) -> Action {
        isSaving = false
        guard armsTimer, isBehind(version), !isTimerArmed, consecutiveFailures == 0 else { return .none }
        isTimerArmed = true
        return .armTimer(now.advanced(by: delays.delay))
    }

    /// The file now holds `version` (written, or found newer already).
    package mutating func written(_ version: UInt64) {
        savedVersion = max(savedVersion ?? 0, version)
        consecutiveFailures = 0
    }

    /// The file was replaced by another path's: it holds `version` of this opening.
    package mutating func moved(holding version: UInt64) {
        savedVersion = version
    }

    /// A write failed at `now`; returns how many failed in a row and when to retry.
    package mutating func writeFailed(at now: MonotonicInstant) -> (failures: Int, retryAt: MonotonicInstant) {
        consecutiveFailures += 1
        let delay = min(delays.retryMax, delays.retryBase * (1 << min(20, consecutiveFailures - 1)))
        isTimerArmed = true
        return (consecutiveFailures, now.advanced(by: delay))
    }
}
