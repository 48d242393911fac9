import ArgumentParser
import Dispatch
import Foundation
import Primitives
import Synchronization
import ThreadPool

/// The load both sides run: background tasks that resubmit themselves until stopped,
/// and renders submitted at a fixed interval.
struct Load: Sendable {
    let renders: Int
    let interval: Duration
    let render: Duration
    let low: Duration
    let idle: Duration
    let backlog: Int
}

struct HighWait: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "high-wait",
        abstract: "A HIGH render's wait from submit to start (and to end) while LOW and IDLE tasks keep every thread busy."
    )

    @Option(help: "Renders per round.") var renders = 400
    @Option(help: "Milliseconds between renders (a keystroke rhythm).") var intervalMs = 10
    @Option(help: "Milliseconds of CPU per render.") var renderMs = 1.0
    @Option(help: "Milliseconds of CPU per LOW task (an autosave).") var lowMs = 3.0
    @Option(help: "Milliseconds of CPU per IDLE task (a statistics pass).") var idleMs = 6.0
    @Option(help: "LOW and IDLE tasks kept queued per thread.") var backlog = 2
    @Option(help: "Rounds per side, alternating.") var rounds = 3
    @Option(help: "Pool threads.") var threads = ThreadPool.defaultThreadCount
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard renders > 0, intervalMs > 0, rounds > 0, threads > 0, backlog > 0 else {
            throw ValidationError("counts and intervals must be positive")
        }
    }

    func run() throws {
        let load = Load(renders: renders, interval: .milliseconds(intervalMs), render: .microseconds(Int(renderMs * 1000)),
                        low: .microseconds(Int(lowMs * 1000)), idle: .microseconds(Int(idleMs * 1000)), backlog: backlog * threads)
        var pool = Waits()
        var dispatch = Waits()
        for round in 0..<rounds {
            if round % 2 == 0 {
                pool.add(try runPool(load))
                dispatch.add(runDispatch(load))
            } else {
                dispatch.add(runDispatch(load))
                pool.add(try runPool(load))
            }
        }
        report(pool: pool, dispatch: dispatch, load: load)
    }

    private func runPool(_ load: Load) throws -> Waits {
        let pool = ThreadPool(configuration: .init(threadCount: threads))
        defer { pool.shutdown(.cancelPending) }
        let stop = Atomic(false)
        @Sendable func background(_ priority: PoolPriority, _ duration: Duration) {
            guard !stop.load(ordering: .relaxed) else { return }
            _ = try? pool.submit(priority: priority) { _ in
                spin(for: duration)
                background(priority, duration)
            }
        }
        for _ in 0..<load.backlog {
            background(.low, load.low)
            background(.idle, load.idle)
        }
        spin(for: .milliseconds(50))   // every thread busy, a backlog queued
        let waits = Locked(Waits())
        var handles: [TaskHandle<Void>] = []
        for _ in 0..<load.renders {
            let submitted = MonotonicInstant.now
            handles.append(try pool.submit(priority: .high, key: "render/doc") { _ in
                let started = MonotonicInstant.now
                spin(for: load.render)
                let ended = MonotonicInstant.now
                waits.withLock { record(&$0, submitted, started, ended) }
            })
            Thread.sleep(forTimeInterval: Double(load.interval.nanosecondsClamped) / 1e9)
        }
        for handle in handles { _ = handle.wait(timeout: .seconds(60)) }
        stop.store(true, ordering: .relaxed)
        var result = waits.withLock { $0 }
        result.coalesced = handles.count { $0.cancellationReason != nil }
        return result
    }

    private func runDispatch(_ load: Load) -> Waits {
        let stop = Atomic(false)
        let group = DispatchGroup()
        @Sendable func background(_ qos: DispatchQoS.QoSClass, _ duration: Duration) {
            guard !stop.load(ordering: .relaxed) else { return }
            DispatchQueue.global(qos: qos).async(group: group) {
                spin(for: duration)
                background(qos, duration)
            }
        }
        for _ in 0..<load.backlog {
            background(.utility, load.low)
            background(.background, load.idle)
        }
        spin(for: .milliseconds(50))
        let waits = Locked(Waits())
        let renders = DispatchGroup()
        for _ in 0..<load.renders {
            let submitted = MonotonicInstant.now
            DispatchQueue.global(qos: .userInitiated).async(group: renders) {
                let started = MonotonicInstant.now
                spin(for: load.render)
                let ended = MonotonicInstant.now
                waits.withLock { record(&$0, submitted, started, ended) }
            }
            Thread.sleep(forTimeInterval: Double(load.interval.nanosecondsClamped) / 1e9)
        }
        renders.wait()
        stop.store(true, ordering: .relaxed)
        group.wait()
        return waits.withLock { $0 }
    }

    private func report(pool: Waits, dispatch: Waits, load: Load) {
        func row(_ name: String, _ waits: Waits) -> [String: Any] {
            ["side": name, "renders": waits.renders, "coalesced": waits.coalesced,
             "startP50Ms": waits.ms(waits.start, 50), "startP99Ms": waits.ms(waits.start, 99), "startMaxMs": Double(waits.start.max) / 1e6,
             "endP50Ms": waits.ms(waits.end, 50), "endP99Ms": waits.ms(waits.end, 99), "endMaxMs": Double(waits.end.max) / 1e6]
        }
        let rows = [row("ThreadPool", pool), row("Dispatch QoS", dispatch)]
        if json {
            let object: [String: Any] = ["threads": threads, "rounds": rounds, "rendersPerRound": load.renders, "intervalMs": intervalMs,
                                         "renderMs": renderMs, "lowMs": lowMs, "idleMs": idleMs, "backlogPerThread": backlog, "sides": rows]
            let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("pool-bench high-wait: \(rounds) rounds × \(load.renders) HIGH renders of \(renderMs) ms every \(intervalMs) ms, "
            + "while LOW (\(lowMs) ms) and IDLE (\(idleMs) ms) tasks keep \(threads) threads busy (\(backlog) of each queued per thread)")
        print("")
        print("side            renders  coalesced   start p50   start p99   start max    end p50    end p99")
        for (name, waits) in [("ThreadPool", pool), ("Dispatch QoS", dispatch)] {
            print(String(format: "%-14@ %8d %10d %9.3f ms %9.3f ms %9.3f ms %8.3f ms %8.3f ms",
                         name as NSString, waits.renders, waits.coalesced, waits.ms(waits.start, 50), waits.ms(waits.start, 99),
                         Double(waits.start.max) / 1e6, waits.ms(waits.end, 50), waits.ms(waits.end, 99)))
        }
        print("")
        print(String(format: "ratio (pool / Dispatch): start p50 %.2f, start p99 %.2f, end p50 %.2f, end p99 %.2f",
                     pool.ms(pool.start, 50) / max(1e-9, dispatch.ms(dispatch.start, 50)),
                     pool.ms(pool.start, 99) / max(1e-9, dispatch.ms(dispatch.start, 99)),
                     pool.ms(pool.end, 50) / max(1e-9, dispatch.ms(dispatch.end, 50)),
                     pool.ms(pool.end, 99) / max(1e-9, dispatch.ms(dispatch.end, 99))))
    }
}

/// Adds one render's waits.
func record(_ waits: inout Waits, _ submitted: MonotonicInstant, _ started: MonotonicInstant, _ ended: MonotonicInstant) {
    waits.start.record(UInt64(max(0, started.nanoseconds - submitted.nanoseconds)))
    waits.end.record(UInt64(max(0, ended.nanoseconds - submitted.nanoseconds)))
    waits.renders += 1
}
