import ArgumentParser
import Dispatch
import Foundation
import ThreadPool

struct NoOp: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "noop",
        abstract: "N empty closures through the pool and through DispatchQueue.global(), alternating rounds (for the record, not a target)."
    )

    @Option(help: "Tasks per round.") var tasks = 1_000_000
    @Option(help: "Rounds per side.") var rounds = 11
    @Option(help: "Pool threads.") var threads = ThreadPool.defaultThreadCount

    func validate() throws {
        guard tasks > 0, rounds > 0, threads > 0 else { throw ValidationError("counts must be positive") }
    }

    func run() throws {
        let pool = ThreadPool(configuration: .init(threadCount: threads))
        defer { pool.shutdown() }
        _ = try timePool(pool, tasks / 10)
        _ = timeDispatch(tasks / 10)
        var ratios: [Double] = []
        var poolRates: [Double] = []
        var dispatchRates: [Double] = []
        for round in 0..<rounds {
            var poolSeconds = 0.0
            var dispatchSeconds = 0.0
            if round % 2 == 0 {
                poolSeconds = try timePool(pool, tasks)
                dispatchSeconds = timeDispatch(tasks)
            } else {
                dispatchSeconds = timeDispatch(tasks)
                poolSeconds = try timePool(pool, tasks)
            }
            poolRates.append(Double(tasks) / poolSeconds)
            dispatchRates.append(Double(tasks) / dispatchSeconds)
            ratios.append(dispatchSeconds / poolSeconds)
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        print(String(format: "pool-bench noop: %d tasks × %d rounds, %d threads: ThreadPool %.0f tasks/s, Dispatch %.0f tasks/s, median ratio (pool/Dispatch speed) %.2f×",
                     tasks, rounds, threads, median(poolRates), median(dispatchRates), median(ratios)))
    }

    private func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    private func timePool(_ pool: ThreadPool, _ count: Int) throws -> Double {
        try seconds {
            for _ in 0..<count { try pool.submit { _ in } }
            pool.waitUntilIdle()
        }
    }

    private func timeDispatch(_ count: Int) -> Double {
        let group = DispatchGroup()
        return seconds {
            for _ in 0..<count { DispatchQueue.global().async(group: group) {} }
            group.wait()
        }
    }
}
