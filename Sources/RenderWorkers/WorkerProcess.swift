package import MarkdownRenderer
#if canImport(Glibc)
import Glibc
#endif

/// Why a render in a worker process produced no HTML.
package enum RenderFailure: Error, Equatable, CustomStringConvertible {
    /// It ran past its deadline and the worker was killed.
    case timeout(Duration)
    /// The worker ran out of its memory cap (its allocator gave up).
    case memory
    /// The worker died otherwise (a signal or an exit), or could not be started.
    case crash(String)

    /// A sentence for a person.
    package var description: String {
        switch self {
        case .timeout(let deadline): "the render took longer than its deadline (\(deadline)) and was stopped"
        case .memory: "the render ran out of the worker's memory cap and was stopped"
        case .crash(let reason): "the render worker failed: \(reason)"
        }
    }
}

/// One render worker process (`EXECUTABLE render-worker`) and the pipes to it. Not
/// thread-safe: one render at a time, from one thread.
package final class WorkerProcess {
    private let pid: pid_t
    private let toWorker: Int32
    private let fromWorker: Int32
    private let errorsFromWorker: Int32
    private var isAlive = true

    /// Starts a worker running `executable render-worker --parent PID [--memory-limit N]`.
    package init(executable: String, memoryLimit: Int?) throws(RenderFailure) {
        signal(SIGPIPE, SIG_IGN)   // a dead worker's pipe must fail a write, not kill us
        var input: [Int32] = [0, 0], output: [Int32] = [0, 0], errors: [Int32] = [0, 0]
        guard Self.makePipe(&input), Self.makePipe(&output), Self.makePipe(&errors) else {
            throw .crash("pipe: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        var arguments = [executable, "render-worker", "--parent", String(getpid())]
        if let memoryLimit { arguments += ["--memory-limit", String(memoryLimit)] }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, executable, &actions, nil, &argv, environ)
        close(input[0])
        close(output[1])
        close(errors[1])
        guard spawned == 0 else {
            close(input[1])
            close(output[0])
            close(errors[0])
            throw .crash("cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        pid = child
        toWorker = input[1]
        fromWorker = output[0]
        errorsFromWorker = errors[0]
    }

    deinit { stop() }

    /// Renders `markdown` with `options` in the worker, waiting at most `deadline`.
    /// On a failure the worker is gone (killed when late) and this object is spent.
    package func render(_ markdown: some Collection<UInt8>, options: RenderOptions, deadline: Duration) throws(RenderFailure) -> [UInt8] {
        guard isAlive else { throw .crash("the worker has already stopped") }
        let end = ContinuousClock.now.advanced(by: deadline)
        guard writeAll(WorkerFrame.request(markdown: markdown, options: options), to: toWorker) else { throw ended() }
        var prefix = [UInt8](repeating: 0, count: 4)
        switch read(into: &prefix, until: end) {
        case .late: throw timedOut(deadline)
        case .closed: throw ended()
        case .read: break
        }
        let length: Int
        do throws(WorkerFrame.DecodingError) { length = try WorkerFrame.payloadLength(prefix: prefix) } catch {
            stop()
            throw .crash("the worker sent a bad frame (\(error))")
        }
        var payload = [UInt8](repeating: 0, count: length)
        switch read(into: &payload, until: end) {
        case .late: throw timedOut(deadline)
        case .closed: throw ended()
        case .read: break
        }
        do throws(WorkerFrame.DecodingError) { return Array(try WorkerFrame.decodeReply(payload)) } catch {
            stop()
            throw .crash("the worker sent a bad reply (\(error))")
        }
    }

    /// Kills the worker (if it runs) and closes the pipes. Idempotent.
    package func stop() {
        guard isAlive else { return }
        isAlive = false
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        close(toWorker)
        close(fromWorker)
        close(errorsFromWorker)
    }

    private func timedOut(_ deadline: Duration) -> RenderFailure {
        stop()
        return .timeout(deadline)
    }

    /// The worker closed its end: reap it and say why it ended.
    private func ended() -> RenderFailure {
        isAlive = false
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let message = drainErrors()
        close(toWorker)
        close(fromWorker)
        close(errorsFromWorker)
        if message.contains("null pointer") || message.contains("memory") || message.contains("alloc") { return .memory }
        let signalNumber = status & 0x7F
        if signalNumber != 0 { return .crash("killed by signal \(signalNumber)\(message.isEmpty ? "" : ": \(message)")") }
        return .crash("exited with status \((status >> 8) & 0xFF)\(message.isEmpty ? "" : ": \(message)")")
    }

    /// What the dead worker wrote to standard error (at most 4 KiB).
    private func drainErrors() -> String {
        var bytes = [UInt8](repeating: 0, count: 4096)
        let got = bytes.withUnsafeMutableBytes { Glibc.read(errorsFromWorker, $0.baseAddress!, 4096) }
        guard got > 0 else { return "" }
        return String(decoding: bytes.prefix(got), as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// A pipe whose two ends are closed on exec (the spawned worker gets only its dups).
    private static func makePipe(_ ends: inout [Int32]) -> Bool {
        guard pipe(&ends) == 0 else { return false }
        return fcntl(ends[0], F_SETFD, FD_CLOEXEC) == 0 && fcntl(ends[1], F_SETFD, FD_CLOEXEC) == 0
    }

    private enum ReadResult { case read, closed, late }

    private func read(into buffer: inout [UInt8], until end: ContinuousClock.Instant) -> ReadResult {
        var filled = 0
        let count = buffer.count
        while filled < count {
            let remaining = ContinuousClock.now.duration(to: end)
            guard remaining > .zero else { return .late }
            var poller = pollfd(fd: fromWorker, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&poller, 1, milliseconds)
            if ready < 0 { if errno == EINTR { continue }; return .closed }
            if ready == 0 { continue }
            let got = buffer.withUnsafeMutableBytes { Glibc.read(fromWorker, $0.baseAddress! + filled, count - filled) }
            if got > 0 { filled += got; continue }
            if got < 0 && errno == EINTR { continue }
            return .closed
        }
        return .read
    }
}
