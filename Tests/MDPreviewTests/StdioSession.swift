import Primitives
import Foundation
@testable import mdpreview
import PreviewEngine
import PreviewStdio
import TestSupport

/// A running `mdpreview stdio`: a child process, or (``init(inProcess:)``) a
/// `StdioServer` in this process on pipes, configured by the same flags. Requests are
/// written to its input, and its output is read line by line on a background thread.
/// Only what tests look at is kept: every event except `render`, and the last `render`
/// event per document.
final class StdioSession: @unchecked Sendable {
    struct Snapshot {
        var events: [[String: Any]] = []
        var lastRender: [String: [String: Any]] = [:]
        /// Every render's version and `latency_ms`, per document, in arrival order.
        var renders: [String: [(version: Int, latencyMs: Double?)]] = [:]
        var renderCount = 0
        var lineCount = 0
        var badLines: [String] = []
        var finished = false
    }

    private let child: Process?
    /// The child process (not for an in-process session).
    var process: Process { child! }
    /// The in-process server's exit status, once `run` has returned.
    private let inProcessStatus = Locked<Int32??>(nil)
    /// The in-process server.
    private(set) var server: StdioServer?
    private let stdin = Pipe()
    private let stdout = Pipe()
    private let stderr = Pipe()
    /// Guarded by `changed`.
    private var current = Snapshot()
    private let changed = NSCondition()
    private let stderrData = Locked(Data())
    private let stderrDone = DispatchSemaphore(value: 0)

    /// A `StdioServer` in this process with the configuration that `mdpreview stdio
    /// ARGUMENTS` would have (its render workers are the built `mdpreview`); its log
    /// lines are `stderrText`.
    init(inProcess arguments: [String] = []) throws {
        child = nil
        var configuration = try StdioCommand.parse(arguments).serverConfiguration
        if case .workers(_, let count, let limits) = configuration.isolation {
            configuration.isolation = .workers(executable: try Subprocess.builtProduct("mdpreview").path, count: count, limits: limits)
        }
        let log = stderrData
        let server = StdioServer(
            configuration: configuration,
            transport: FileDescriptorTransport(input: stdin.fileHandleForReading.fileDescriptor, output: stdout.fileHandleForWriting.fileDescriptor)
        ) { line in log.withLock { $0.append(Data("mdpreview stdio: \(line)\n".utf8)) } }
        self.server = server
        let reader = Thread { [self] in readLines() }
        reader.stackSize = 1 << 20
        reader.start()
        Thread { [self] in
            let status: Int32?
            do { status = try server.run() } catch { status = nil }
            inProcessStatus.withLock { $0 = .some(status) }
            try? stdout.fileHandleForWriting.close()   // the reader sees the end
            stderrDone.signal()
        }.start()
    }

    init(executable: URL? = nil, arguments: [String] = [], environment: [String: String] = [:]) throws {
        let process = Process()
        child = process
        process.executableURL = try executable ?? Subprocess.builtProduct("mdpreview")
        process.arguments = ["stdio"] + arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let reader = Thread { [self] in readLines() }
        reader.stackSize = 1 << 20
        reader.start()
        let errors = Thread { [self] in
            let data = stderr.fileHandleForReading.readDataToEndOfFile()
            stderrData.withLock { $0 = data }
            stderrDone.signal()
        }
        errors.start()
    }

    private func readLines() {
        let handle = stdout.fileHandleForReading
        var pending = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = pending[pending.startIndex..<newline]
                pending = Data(pending[(newline + 1)...])
                record(line)
            }
        }
        if !pending.isEmpty { record(pending, unterminated: true) }
        changed.lock()
        current.finished = true
        changed.broadcast()
        changed.unlock()
    }

    private func record(_ line: Data, unterminated: Bool = false) {
        let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any]
        changed.lock()
        defer {
            changed.broadcast()
            changed.unlock()
        }
        current.lineCount += 1
        guard let object, !unterminated else {
            current.badLines.append(String(decoding: line.prefix(200), as: UTF8.self))
            return
        }
        if object["event"] as? String == "render", let doc = object["doc"] as? String {
            current.renderCount += 1
            current.lastRender[doc] = object
            current.renders[doc, default: []].append((object["version"] as? Int ?? -1, object["latency_ms"] as? Double))
        } else {
            current.events.append(object)
        }
    }

    /// Sends raw bytes (any number of lines).
    func sendRaw(_ bytes: Data) {
        try? stdin.fileHandleForWriting.write(contentsOf: bytes)
    }

    /// Sends one request line.
    func send(_ line: String) { sendRaw(Data((line + "\n").utf8)) }

    /// Sends a request object as JSON.
    func send(_ object: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        sendRaw(data + Data("\n".utf8))
    }

    /// Closes the child's stdin (end of input).
    func closeInput() { try? stdin.fileHandleForWriting.close() }

    /// Waits until `condition` holds for what was read, or `timeout` passes.
    @discardableResult
    func wait(timeout: TimeInterval = 60, until condition: (Snapshot) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        changed.lock()
        defer { changed.unlock() }
        while !condition(current) {
            if !changed.wait(until: deadline) { return condition(current) }
        }
        return true
    }

    /// Waits for the `ack` of request `id`.
    @discardableResult
    func waitForAck(_ id: Int, timeout: TimeInterval = 60) -> Bool {
        wait(timeout: timeout) { snapshot in
            snapshot.events.contains { $0["event"] as? String == "ack" && $0["id"] as? Int == id }
        }
    }

    /// Waits for the process to exit (an in-process server's `run` to return) and the
    /// output to be read; returns its status.
    func waitForExit(timeout: TimeInterval = 120) -> Int32? {
        guard let process = child else {
            guard stderrDone.wait(timeout: .now() + timeout) == .success else { return nil }
            stderrDone.signal()
            wait(timeout: 10) { $0.finished }
            return inProcessStatus.withLock { $0 } ?? nil
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                return nil
            }
            usleep(2_000)
        }
        wait(timeout: 10) { $0.finished }
        _ = stderrDone.wait(timeout: .now() + 10)
        stderrDone.signal()
        return process.terminationStatus
    }

    var snapshot: Snapshot {
        changed.lock()
        defer { changed.unlock() }
        return current
    }
    var stderrText: String { String(decoding: stderrData.withLock { $0 }, as: UTF8.self) }

    func events(named name: String) -> [[String: Any]] {
        snapshot.events.filter { $0["event"] as? String == name }
    }
}
