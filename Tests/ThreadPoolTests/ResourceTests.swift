import Foundation
import Testing
import ThreadPool

@Suite("Resources are released")
struct ResourceTests {
    final class Tracked: Sendable {}

    @Test("closures of executed, cancelled and replaced tasks are released, even while handles live")
    func closuresReleased() throws {
        let pool = ThreadPool(configuration: .deterministic())
        var handles: [TaskHandle<Int>] = []
        weak var executed: Tracked?
        weak var cancelled: Tracked?
        weak var replaced: Tracked?
        do {
            let first = Tracked(), second = Tracked(), third = Tracked()
            executed = first
            cancelled = second
            replaced = third
            handles.append(try pool.submit { _ in withExtendedLifetime(first) { 1 } })
            handles.append(try pool.submit { _ in withExtendedLifetime(second) { 2 } })
            handles.append(try pool.submit(key: "k") { _ in withExtendedLifetime(third) { 3 } })
            handles.append(try pool.submit(key: "k") { _ in 4 })
        }
        handles[1].cancel()
        #expect(cancelled == nil)
        #expect(replaced == nil)
        #expect(executed != nil)
        pool.start()
        pool.shutdown(.drain)
        #expect(executed == nil)
        #expect(handles.map { $0.outcome?.value } == [1, nil, nil, 4])
    }

    @Test("a dropped pool is deallocated once shut down")
    func poolDeallocated() throws {
        weak var weakPool: ThreadPool?
        var handle: TaskHandle<Int>?
        do {
            let pool = ThreadPool(configuration: .deterministic(threads: 2, startsPaused: false))
            weakPool = pool
            handle = try pool.submit { _ in 7 }
            #expect(handle?.wait(timeout: .seconds(20))?.value == 7)
        }
        #expect(weakPool == nil)
        #expect(handle?.state == .finished)
        #expect(handle?.cancel() == false)
    }
}
