// pool-throughput: WorkerPool against DispatchQueue.global().async + DispatchGroup.
//
//   swift build -c release --product pool-throughput
//   .build/release/pool-throughput [--tasks N] [--repeats R] [--workers W] [--json]
//   .build/release/pool-throughput --only pool|dispatch   (one side only, for profiling)
//
// (a) N no-op tasks (an empty closure each) through both, timed from the first submit
//     until all have finished; R alternating rounds, medians reported.
// (b) 10 submissions with one coalescing key before the pool starts -> executions (1).
// (c) 10 submissions, 9 cancelled before the pool starts -> executions (1).

import Dispatch
import Foundation
import Synchronization
import WorkerPool

struct Options {
    var tasks = 1_000_000
    var repeats = 15
    var workers = WorkerPool.defaultWorkerCount
    var json = false
    /// `pool` or `dispatch`: time only that side (for profiling).
    var only: String?

    init(arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--json": json = true
            case "--tasks": tasks = Int(iterator.next() ?? "") ?? tasks
            case "--repeats": repeats = Int(iterator.next() ?? "") ?? repeats
            case "--workers": workers = Int(iterator.next() ?? "") ?? workers
            case "--only": only = iterator.next()
            case "-h", "--help":
                print("usage: pool-throughput [--tasks N] [--repeats R] [--workers W] [--json] [--only pool|dispatch]")
                exit(0)
            default:
                FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8))
                exit(2)
            }
        }
        precondition(tasks > 0 && repeats > 0 && workers > 0, "counts must be positive")
    }
}

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// N empty closures through `pool`, waiting for all of them. Like the global dispatch
/// queue, the pool is long-lived: created once, used by every round.
func runPool(_ pool: WorkerPool, tasks: Int) -> Double {
    seconds {
        for _ in 0..<tasks {
            try! pool.submit { _ in }
        }
        pool.waitUntilIdle()
    }
}

/// N empty closures through the global concurrent queue, waiting for all of them.
func runDispatch(tasks: Int) -> Double {
    let queue = DispatchQueue.global()
    let group = DispatchGroup()
    return seconds {
        for _ in 0..<tasks {
            queue.async(group: group) {}
        }
        group.wait()
    }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// Executions when 10 submissions share one key before the pool starts.
func coalescedExecutions() -> Int {
    let executions = Atomic<Int>(0)
    let pool = WorkerPool(configuration: .init(workerCount: 1, startsPaused: true))
    for _ in 0..<10 {
        try! pool.submit(key: "document") { _ in executions.add(1, ordering: .relaxed) }
    }
    pool.start()
    pool.shutdown(.drain)
    return executions.load(ordering: .relaxed)
}

/// Executions when 9 of 10 submissions are cancelled before the pool starts.
func cancelledExecutions() -> Int {
    let executions = Atomic<Int>(0)
    let pool = WorkerPool(configuration: .init(workerCount: 1, startsPaused: true))
    var handles: [TaskHandle<Void>] = []
    for _ in 0..<10 {
        handles.append(try! pool.submit { _ in executions.add(1, ordering: .relaxed) })
    }
    for handle in handles.dropFirst() { handle.cancel() }
    pool.start()
    pool.shutdown(.drain)
    return executions.load(ordering: .relaxed)
}

let options = Options(arguments: CommandLine.arguments)

if let only = options.only {
    let pool = WorkerPool(configuration: .init(workerCount: options.workers))
    for _ in 0..<options.repeats {
        let elapsed = only == "dispatch" ? runDispatch(tasks: options.tasks) : runPool(pool, tasks: options.tasks)
        print(String(format: "%@: %.0f tasks/s", only, Double(options.tasks) / elapsed))
    }
    pool.shutdown()
    exit(0)
}

let pool = WorkerPool(configuration: .init(workerCount: options.workers))
// Warm-up (threads, allocator, dispatch's thread pool).
_ = runPool(pool, tasks: options.tasks / 10)
_ = runDispatch(tasks: options.tasks / 10)

var poolRates: [Double] = []
var dispatchRates: [Double] = []
var ratios: [Double] = []
for round in 0..<options.repeats {
    // Alternate which side goes first so neither always gets the warmer machine.
    var poolSeconds = 0.0
    var dispatchSeconds = 0.0
    if round % 2 == 0 {
        poolSeconds = runPool(pool, tasks: options.tasks)
        dispatchSeconds = runDispatch(tasks: options.tasks)
    } else {
        dispatchSeconds = runDispatch(tasks: options.tasks)
        poolSeconds = runPool(pool, tasks: options.tasks)
    }
    poolRates.append(Double(options.tasks) / poolSeconds)
    dispatchRates.append(Double(options.tasks) / dispatchSeconds)
    ratios.append(dispatchSeconds / poolSeconds)
}

let poolStatistics = pool.statistics
pool.shutdown()

func ns(_ duration: Duration) -> Int64 {
    duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
}

/// p50/p90/p99/max in nanoseconds.
func summary(_ latency: LatencySummary) -> [String: Int64] {
    ["p50": ns(latency.p50), "p90": ns(latency.p90), "p99": ns(latency.p99), "max": ns(latency.max)]
}

/// "p50 … p90 … p99 … max …" in readable units.
func describe(_ latency: LatencySummary) -> String {
    func text(_ duration: Duration) -> String {
        let nanoseconds = Double(ns(duration))
        if nanoseconds >= 1e6 { return String(format: "%.2f ms", nanoseconds / 1e6) }
        if nanoseconds >= 1e3 { return String(format: "%.1f µs", nanoseconds / 1e3) }
        return String(format: "%.0f ns", nanoseconds)
    }
    return "p50 \(text(latency.p50))  p90 \(text(latency.p90))  p99 \(text(latency.p99))  max \(text(latency.max))"
}

let coalesced = coalescedExecutions()
let cancelled = cancelledExecutions()
let poolMedian = median(poolRates)
let dispatchMedian = median(dispatchRates)
let ratioMedian = median(ratios)

if options.json {
    let object: [String: Any] = [
        "tasks": options.tasks,
        "repeats": options.repeats,
        "workers": options.workers,
        "activeProcessors": ProcessInfo.processInfo.activeProcessorCount,
        "poolTasksPerSecond": poolRates,
        "dispatchTasksPerSecond": dispatchRates,
        "ratios": ratios,
        "poolTasksPerSecondMedian": poolMedian,
        "dispatchTasksPerSecondMedian": dispatchMedian,
        "ratioMedian": ratioMedian,
        "coalescedExecutions": coalesced,
        "cancelledExecutions": cancelled,
        "poolQueueWaitNanoseconds": summary(poolStatistics.queueWait),
        "poolRunTimeNanoseconds": summary(poolStatistics.runTime),
    ]
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    print(String(decoding: data, as: UTF8.self))
} else {
    func rate(_ value: Double) -> String { String(format: "%12.0f", value) }
    print("pool-throughput: \(options.tasks) no-op tasks, \(options.repeats) rounds, "
        + "\(options.workers) workers, \(ProcessInfo.processInfo.activeProcessorCount) active processors")
    print("")
    print("round   WorkerPool tasks/s   Dispatch tasks/s   ratio (pool/dispatch)")
    for round in 0..<options.repeats {
        print(String(format: "%5d   %@         %@        %6.2fx", round + 1,
                     rate(poolRates[round]), rate(dispatchRates[round]), ratios[round]))
    }
    print(String(format: "median  %@         %@        %6.2fx", rate(poolMedian), rate(dispatchMedian), ratioMedian))
    print("")
    print("pool latencies over all rounds (\(poolStatistics.completed) tasks):")
    print("  queue wait  " + describe(poolStatistics.queueWait))
    print("  run time    " + describe(poolStatistics.runTime))
    print("")
    print("scenario                                   executions   expected")
    print("10 submissions, one coalescing key         \(String(format: "%10d", coalesced))          1")
    print("10 submissions, 9 cancelled                \(String(format: "%10d", cancelled))          1")
}
if coalesced != 1 || cancelled != 1 { exit(1) }
