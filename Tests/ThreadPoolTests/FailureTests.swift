import Testing
import ThreadPool

@Suite("Failure isolation")
struct FailureTests {
    @Test("a throwing task is reported failed; other tasks and the pool are unaffected")
    func isolation() async throws {
        let pool = ThreadPool(configuration: .deterministic(threads: 2, startsPaused: false))
        let failing = try pool.submit { _ -> Int in throw Boom(code: 3) }
        let good = try (0..<20).map { index in try pool.submit { _ in index } }
        await #expect(throws: Boom(code: 3)) { try await failing.wait().get() }
        #expect(failing.state == .failed)
        if case .failed(let error) = failing.outcome { #expect(error as? Boom == Boom(code: 3)) }
        var sum = 0
        for handle in good { sum += try await handle.wait().get() }
        #expect(sum == 190)
        #expect(try await pool.submit { _ in "still serving" }.wait().get() == "still serving")
        let statistics = pool.statistics
        #expect(statistics.failed == 1)
        #expect(statistics.completed == 21)
        #expect(statistics.completionRate == 21.0 / 22.0)
        pool.shutdown()
    }
}
