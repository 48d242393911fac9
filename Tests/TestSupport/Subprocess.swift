public import Foundation

/// The outcome of a finished child process.
public struct ProcessResult: Sendable {
    /// Exit status (or the signal number, when `terminatedBySignal`).
    public let status: Int32
    /// Whether a signal ended the process.
    public let terminatedBySignal: Bool
    /// Everything it wrote to standard output.
    public let stdout: Data
    /// Everything it wrote to standard error.
    public let stderr: Data

    /// Standard output decoded as UTF-8 (invalid bytes replaced).
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// Standard error decoded as UTF-8 (invalid bytes replaced).
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs child processes for tests, feeding standard input and collecting both outputs.
public enum Subprocess {
    /// Runs `executable` with `arguments`, writes `input` to its standard input, and waits.
    public static func run(_ executable: URL, _ arguments: [String], input: Data = Data(), environment: [String: String]? = nil) throws -> ProcessResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Drain both outputs concurrently so a chatty child never blocks on a full pipe.
        let collected = OutputCollector()
        let group = DispatchGroup()
        for (index, pipe) in [stdout, stderr].enumerated() {
            group.enter()
            DispatchQueue.global().async {
                collected.set(index, pipe.fileHandleForReading.readDataToEndOfFile())
                group.leave()
            }
        }
        if !input.isEmpty { try? stdin.fileHandleForWriting.write(contentsOf: input) }
        try? stdin.fileHandleForWriting.close()
        group.wait()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus,
            terminatedBySignal: process.terminationReason == .uncaughtSignal,
            stdout: collected.get(0),
            stderr: collected.get(1)
        )
    }

    /// The first line `handle` gives (a server's URL line), read off the cooperative pool;
    /// throws when it ends first.
    public static func firstLine(of handle: FileHandle) async throws -> String {
        try await offThread {
            var bytes: [UInt8] = []
            while true {
                let data = handle.availableData
                if data.isEmpty { throw LoopbackConnection.Failure(description: "the process printed no line") }
                bytes += data
                if let newline = bytes.firstIndex(of: 0x0A) { return String(decoding: bytes[..<newline], as: UTF8.self) }
            }
        }
    }

    /// The first executable named `name` on `PATH`, or nil.
    public static func which(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// A binary built by this package (`mdpreview`, ...), found beside the test bundle.
    public static func builtProduct(_ name: String) throws -> URL {
        var candidates: [URL] = []
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            candidates.append(bundle.bundleURL.deletingLastPathComponent())
        }
        candidates.append(Bundle.main.bundleURL)
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for directory in candidates {
            let url = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw MissingProduct(name: name, searched: candidates.map(\.path))
    }

    /// The reference `cmark-gfm` CLI (Debian package `cmark-gfm`), or nil outside CI when
    /// it is not installed. Under CI its absence throws.
    public static func referenceCmark() throws -> URL? {
        if let url = which("cmark-gfm") { return url }
        if SharedData.isCI { throw MissingProduct(name: "cmark-gfm", searched: ["PATH"]) }
        FileHandle.standardError.write(Data("note: cmark-gfm CLI not installed; reference comparisons skipped\n".utf8))
        return nil
    }
}

/// A program the tests need was not found.
public struct MissingProduct: Error, CustomStringConvertible {
    /// The program's name.
    public let name: String
    /// Where it was looked for.
    public let searched: [String]
    public var description: String { "\(name) not found in \(searched.joined(separator: ", "))" }
}

private final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var outputs = [Data(), Data()]
    func set(_ index: Int, _ data: Data) { lock.withLock { outputs[index] = data } }
    func get(_ index: Int) -> Data { lock.withLock { outputs[index] } }
}
