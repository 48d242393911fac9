import CProcessControl
package import MarkdownRenderer
package import Primitives
#if canImport(Glibc)
import Glibc
#endif

/// One render worker process (`EXECUTABLE render-worker`) and the pipes to it.
///
/// Not thread-safe: one render at a time, by one thread; `RenderWorkerPool` hands a
/// worker to one caller at a time under its lock, hence `@unchecked Sendable`.
package final class WorkerProcess: @unchecked Sendable {
    /// The worker's process id.
    package let pid: Int32
    /// The cap on the worker's address-space growth, in bytes, if any.
    private let memoryLimit: Int?
    private let toWorker: Int32
    private let fromWorker: Int32
    private let errorsFromWorker: Int32
    private var isAlive = true
    private var isReady = false
    /// The longest a new worker may take to start (exec, dynamic linking, the runtime).
    private static let startupTimeout = Duration.seconds(10)
    /// Whether the last render failed because the worker was gone before it took the
    /// request: the request cannot have been the cause.
    package private(set) var exitedBeforeRequest = false
    /// What other threads (``kill()``, deadline timers) may touch, under one lock.
    private let control = Locked(Control())

    private struct Control {
        /// Whether the process has been reaped: after that its pid may name another
        /// process, so nothing may signal it.
        var isReaped = false
        /// The number of the timed wait in progress (odd while one is on).
        var phase: UInt64 = 0
        /// The wait whose deadline killed the worker, if one did.
        var expiredPhase: UInt64?
    }

    /// Pipes of 1 MiB, so a large document crosses in few system calls.
    private static let pipeBufferSize = 1 << 20

    /// Starts a worker running `executable render-worker --parent PID [--memory-limit N]`
    /// followed by `extraArguments`.
    package init(executable: String, memoryLimit: Int?, extraArguments: [String] = []) throws(RenderFailure) {
        signal(SIGPIPE, SIG_IGN)   // a dead worker's pipe must fail a write, not kill us
        var input: [Int32] = [-1, -1], output: [Int32] = [-1, -1], errors: [Int32] = [-1, -1]
        guard process_control_pipe(&input, Int32(Self.pipeBufferSize)) == 0,
              process_control_pipe(&output, Int32(Self.pipeBufferSize)) == 0,
              process_control_pipe(&errors, 0) == 0 else {
            let reason = String(cString: strerror(errno))
            for fd in input + output + errors where fd >= 0 { close(fd) }
            throw .crash("pipe: \(reason)")
        }
        var arguments = [Self.displayName(of: executable), "render-worker", "--parent", String(getpid())]
        if let memoryLimit { arguments += ["--memory-limit", String(memoryLimit)] }
        arguments += extraArguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        // A crash is reported by its signal at once: no backtrace that takes seconds.
        var environment: [UnsafeMutablePointer<CChar>?] = Self.environment.map { strdup($0) } + [nil]
        defer { for pointer in environment { free(pointer) } }
        var child: pid_t = 0
        let spawned = process_control_spawn(&child, executable, &argv, &environment, input[0], output[1], errors[1])
        close(input[0])
        close(output[1])
        close(errors[1])
        guard spawned == 0 else {
            close(input[1])
            close(output[0])
            close(errors[0])
            throw .crash("cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        _ = fcntl(input[1], F_SETFL, fcntl(input[1], F_GETFL) | O_NONBLOCK)
        pid = child
        self.memoryLimit = memoryLimit
        toWorker = input[1]
        fromWorker = output[0]
        errorsFromWorker = errors[0]
    }

    deinit { stop() }

    /// The worker's `argv[0]`: the executable, or for `/proc/self/exe` the file it names
    /// (what `ps` should show).
    private static func displayName(of executable: String) -> String {
        guard executable == "/proc/self/exe" else { return executable }
        return ownExecutablePath() ?? executable
    }

    /// This process's environment without `SWIFT_BACKTRACE`, plus `SWIFT_BACKTRACE=enable=no`.
    private static let environment: [String] = {
        var entries: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if !text.hasPrefix("SWIFT_BACKTRACE=") { entries.append(text) }
            pointer += 1
        }
        return entries + ["SWIFT_BACKTRACE=enable=no"]
    }()

    /// Whether the process still runs (it is not reaped here when it has exited; the
    /// next render or ``stop()`` does that).
    package var isRunning: Bool {
        guard isAlive else { return false }
        // Looks without reaping, so `stop` or `ended` still collects the status.
        return process_control_has_exited(pid) == 0
    }

    /// Sends `markdown` with `options` to the worker for `kind` of reply and returns the
    /// reply's payload, waiting at most `deadline` by `clock` (a timer that kills the
    /// worker when it fires). On a failure the worker is gone (killed when late) and this
    /// object is spent. `requestSent` runs once the whole request is in the pipe.
    package func render(
        _ markdown: UnsafeRawBufferPointer, options: RenderOptions, kind: WorkerFrame.RequestKind = .html,
        deadline: Duration, clock: any PreviewClock, requestSent: () -> Void = {}
    ) throws(RenderFailure) -> [UInt8] {
        guard isAlive else { throw .crash("the worker has already stopped") }
        try awaitReady(clock: clock)
        let phase = beginPhase()
        let timer = clock.schedule(after: deadline) { [self] in expire(phase) }
        let outcome = exchange(markdown, options: options, kind: kind, requestSent: requestSent)
        timer.cancel()
        let expired = endPhase(phase)
        switch outcome {
        case .reply(let payload):
            if expired { stop() }   // killed just after the last byte: the reply is whole
            return payload
        case .closed(let beforeRequest):
            if expired { throw timedOut(deadline) }
            exitedBeforeRequest = beforeRequest
            throw ended()
        case .badFrame(let error):
            stop()
            throw .crash("the worker sent a bad frame (\(error))")
        }
    }

    private enum Exchange {
        case reply([UInt8])
        case closed(beforeRequest: Bool)
        case badFrame(WorkerFrame.DecodingError)
    }

    /// Writes the request and reads the reply, waiting as long as it takes: the deadline
    /// timer ends the wait by killing the worker.
    private func exchange(
        _ markdown: UnsafeRawBufferPointer, options: RenderOptions, kind: WorkerFrame.RequestKind, requestSent: () -> Void
    ) -> Exchange {
        let header = WorkerFrame.requestHeader(markdownLength: markdown.count, options: options, kind: kind)
        guard header.withUnsafeBytes({ send($0) }) else { return .closed(beforeRequest: true) }
        guard send(markdown) else { return .closed(beforeRequest: false) }
        requestSent()
        var prefix = [UInt8](repeating: 0, count: 5)
        guard receive(into: &prefix) else { return .closed(beforeRequest: false) }
        let length: Int
        do throws(WorkerFrame.DecodingError) { length = try WorkerFrame.replyLength(header: prefix) } catch {
            return .badFrame(error)
        }
        var payload = [UInt8](repeating: 0, count: length)
        guard receive(into: &payload) else { return .closed(beforeRequest: false) }
        return .reply(payload)
    }

    /// Waits for the worker's ready byte, once, at most ``startupTimeout`` by `clock`: the
    /// deadline of its first render starts after the worker has started.
    private func awaitReady(clock: any PreviewClock) throws(RenderFailure) {
        guard !isReady else { return }
        let phase = beginPhase()
        let timer = clock.schedule(after: Self.startupTimeout) { [self] in expire(phase) }
        var byte: [UInt8] = [0]
        let received = receive(into: &byte)
        timer.cancel()
        let expired = endPhase(phase)
        if expired {
            stop()
            throw .crash("the worker did not start within \(Self.startupTimeout)")
        }
        guard received else {
            exitedBeforeRequest = true
            throw ended()
        }
        guard byte[0] == WorkerFrame.ready else {
            stop()
            throw .crash("the worker sent \(byte[0]) instead of its ready byte")
        }
        isReady = true
    }

    /// Starts a timed wait; its number goes to the timer that may ``expire(_:)`` it.
    private func beginPhase() -> UInt64 {
        control.withLock { control in
            control.phase += 1
            return control.phase
        }
    }

    /// Ends timed wait `phase`: later firings of its timer do nothing. Returns whether
    /// the timer killed the worker during it.
    private func endPhase(_ phase: UInt64) -> Bool {
        control.withLock { control in
            control.phase += 1
            return control.expiredPhase == phase
        }
    }

    /// The deadline of wait `phase` passed: kill the worker if that wait is still on, so
    /// the thread waiting sees its pipes close.
    private func expire(_ phase: UInt64) {
        control.withLock { control in
            guard !control.isReaped, control.phase == phase else { return }
            control.expiredPhase = phase
            _ = Glibc.kill(pid, SIGKILL)
        }
    }

    /// Kills the worker (if it runs), reaps it and closes the pipes. Idempotent.
    package func stop() {
        guard isAlive else { return }
        isAlive = false
        reap()
        closePipes()
    }

    /// Sends SIGKILL to the worker unless it has been reaped; the thread rendering in it
    /// then sees its pipe close. The one method any thread may call.
    package func kill() {
        control.withLock { control in if !control.isReaped { _ = Glibc.kill(pid, SIGKILL) } }
    }

    private func timedOut(_ deadline: Duration) -> RenderFailure {
        stop()
        return .timeout(deadline: deadline)
    }

    /// The worker closed its end: reap it and say why it ended.
    private func ended() -> RenderFailure {
        isAlive = false
        let status = reap()   // kills first: it may only have closed its pipe
        let message = drainErrors()
        closePipes()
        if let memoryLimit, message.contains("null pointer") || message.contains("alloc") || message.contains("memory") {
            return .memory(limit: memoryLimit)
        }
        let signalNumber = status & 0x7F
        if signalNumber != 0 { return .crash("killed by signal \(signalNumber)\(message.isEmpty ? "" : ": \(message)")") }
        return .crash("exited with status \((status >> 8) & 0xFF)\(message.isEmpty ? "" : ": \(message)")")
    }

    /// Kills and reaps the process; returns its wait status.
    @discardableResult
    private func reap() -> Int32 {
        control.withLock { control in
            _ = Glibc.kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            control.isReaped = true
            return status
        }
    }

    private func closePipes() {
        close(toWorker)
        close(fromWorker)
        close(errorsFromWorker)
    }

    /// What the dead worker wrote to standard error (at most 4 KiB).
    private func drainErrors() -> String {
        var bytes = [UInt8](repeating: 0, count: 4096)
        _ = fcntl(errorsFromWorker, F_SETFL, fcntl(errorsFromWorker, F_GETFL) | O_NONBLOCK)
        let got = bytes.withUnsafeMutableBytes { Glibc.read(errorsFromWorker, $0.baseAddress!, 4096) }
        guard got > 0 else { return "" }
        return String(decoding: bytes.prefix(got), as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// Waits for `events` on `fd`, as long as it takes (a killed worker's pipe wakes it);
    /// false when `fd` failed.
    private func wait(for events: Int32, on fd: Int32) -> Bool {
        while true {
            var poller = pollfd(fd: fd, events: Int16(events), revents: 0)
            let ready = poll(&poller, 1, -1)
            if ready < 0 { if errno == EINTR { continue }; return false }
            if ready > 0 { return true }
        }
    }

    /// Writes all of `bytes` to the worker (its pipe is non-blocking); false when the
    /// worker's end is closed.
    private func send(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var written = 0
        while written < bytes.count {
            let put = write(toWorker, bytes.baseAddress! + written, bytes.count - written)
            if put > 0 { written += put; continue }
            if put < 0 && errno == EINTR { continue }
            guard put < 0 && (errno == EAGAIN || errno == EWOULDBLOCK), wait(for: POLLOUT, on: toWorker) else { return false }
        }
        return true
    }

    /// Fills `buffer` from the worker; false when its end closed first.
    private func receive(into buffer: inout [UInt8]) -> Bool {
        var filled = 0
        let count = buffer.count
        while filled < count {
            guard wait(for: POLLIN, on: fromWorker) else { return false }
            let got = buffer.withUnsafeMutableBytes { Glibc.read(fromWorker, $0.baseAddress! + filled, count - filled) }
            if got > 0 { filled += got; continue }
            if got < 0 && errno == EINTR { continue }
            return false
        }
        return true
    }
}
