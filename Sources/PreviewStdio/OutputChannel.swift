import Dispatch
import PreviewProtocol
import Primitives

/// The transport's output as a stream of JSON lines, written only on one serial queue.
/// After a write fails (EPIPE) the channel drops everything and calls `onClosed` once.
///
/// Lines sent with ``send(_:)`` (acks, errors, `ready`, `bye`) are bounded: when
/// ``sendLimit`` of them wait because the reader stopped reading, `send` blocks its
/// caller (the request reader) until the reader catches up, so requests are read no
/// faster than their answers are taken. Renders never come through here: the engine
/// keeps at most one undelivered render per document for its subscriber.
final class OutputChannel: @unchecked Sendable {
    /// How many sent lines may wait at once.
    static let sendLimit = 256

    private let queue: DispatchQueue
    private let transport: any StdioTransport
    private let slots = DispatchSemaphore(value: OutputChannel.sendLimit)
    // Touched only on `queue`.
    private var isClosed = false
    private var buffer: [UInt8] = []
    /// Called once, on the queue, when the output turns out to be closed. Set before the
    /// first write.
    var onClosed: @Sendable () -> Void = {}

    init(queue: DispatchQueue, transport: any StdioTransport) {
        self.queue = queue
        self.transport = transport
    }

    /// Writes `event` from any thread but the queue's, after everything sent before;
    /// blocks while ``sendLimit`` lines wait, unless `waits` is false (the last line).
    func send(_ event: Event, waits: Bool = true) {
        if waits { slots.wait() }
        queue.async {
            self.writeNow(event)
            if waits { self.slots.signal() }
        }
    }

    /// Writes `event`; must run on the queue.
    func writeNow(_ event: Event) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isClosed else { return }
        buffer.removeAll(keepingCapacity: true)
        EventEncoder.encode(event, into: &buffer)
        guard buffer.withUnsafeBytes({ transport.write($0) }) else {
            isClosed = true
            onClosed()
            return
        }
    }

    /// Waits until everything sent so far is written, or until `deadline` by `clock`;
    /// returns whether it all was.
    @discardableResult
    func drain(until deadline: MonotonicInstant, clock: any PreviewClock) -> Bool {
        let done = Locked(false)
        queue.async {
            done.withLock { $0 = true }
            done.broadcast()
        }
        return done.withLock(waitingUntil: { $0 }, deadline: deadline, clock: clock) { _, drained in drained }
    }
}
