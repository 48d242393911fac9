import Testing
@testable import WorkerPool

@Suite("Clocks")
struct ClockTests {
    @Test("the manual clock only moves when advanced")
    func manualClock() {
        let clock = ManualPoolClock(start: .milliseconds(5))
        #expect(clock.now.nanoseconds == 5_000_000)
        #expect(clock.now.nanoseconds == 5_000_000)
        clock.advance(by: .microseconds(250))
        #expect(clock.now.nanoseconds == 5_250_000)
        clock.advance(by: .seconds(-1))
        #expect(clock.now.nanoseconds == 5_250_000)
    }

    @Test("the system clock is monotonic")
    func systemClock() {
        let clock = SystemPoolClock()
        var previous = clock.now
        for _ in 0..<1000 {
            let reading = clock.now
            #expect(reading >= previous)
            previous = reading
        }
        #expect(previous.nanoseconds > 0)
    }
}
