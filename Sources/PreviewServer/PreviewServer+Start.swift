import Dispatch
import Primitives

extension PreviewServer {
    /// Starts the server from synchronous code (a command's `run`), returning once it
    /// listens; throws what ``start()`` throws.
    public func startSynchronously() throws {
        let failure = Locked<(any Error)?>(nil)
        let started = DispatchSemaphore(value: 0)
        Task {
            do { try await start() } catch { failure.withLock { $0 = error } }
            started.signal()
        }
        started.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }
}
