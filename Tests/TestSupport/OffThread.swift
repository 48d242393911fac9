import Foundation

/// Runs a blocking wait (a socket read, a condition) on a thread of its own, so that it
/// holds no thread of Swift's cooperative pool, which servers under test need.
public func offThread<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

/// ``offThread(_:)`` for a body that throws.
public func offThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
