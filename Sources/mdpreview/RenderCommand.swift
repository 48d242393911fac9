import ArgumentParser
import Primitives
import PreviewServer
import SiteExport
import Foundation
import MarkdownRenderer
import RenderWorkers

/// `mdpreview render [FILE ...]`: a one-shot render of files or standard input.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render files (concatenated, like cmark-gfm) or standard input to HTML on standard output.",
        discussion: """
        Invalid UTF-8 and NUL bytes are replaced with U+FFFD. A missing or unreadable file \
        is named on standard error and nothing is written to standard output \
        (exit status 66, EX_NOINPUT).

        The parse runs in a worker process with a deadline (default 2 s plus 2 ms per KiB \
        of input) and a memory cap (default 1 GiB plus 32 times the input). A document \
        that exceeds either is named on standard error, nothing is written to standard \
        output, and the exit status is 65 (EX_DATAERR); 70 (EX_SOFTWARE) if the worker \
        failed otherwise. --in-process parses in this process without limits.
        """
    )

    @Argument(help: "Markdown files to read; standard input when none or '-'.")
    var files: [String] = []

    @OptionGroup var flags: RenderFlags

    @Flag(help: "Write a standalone HTML page with readable default CSS.")
    var page = false

    @Option(help: "The page title with --page (default: the first heading, else the file name).")
    var title: String?

    @Flag(help: "Point relative links to Markdown files at their .html pages, and with --page load the export's highlighter and math assets, as `mdpreview export` does.")
    var siteLinks = false

    @Option(name: .customLong("timeout-ms"), help: "The render deadline in milliseconds (default: 2000 + 2 per KiB of input).")
    var timeoutMilliseconds: Int?

    @Option(name: .customLong("memory-limit-mb"), help: "The worker's memory cap in MiB (default: 1024 + 32 x the input).")
    var memoryLimitMegabytes: Int?

    @Flag(help: "Parse in this process, without a deadline or a memory cap.")
    var inProcess = false

    func validate() throws {
        if let timeoutMilliseconds, timeoutMilliseconds <= 0 { throw ValidationError("--timeout-ms must be positive") }
        if let memoryLimitMegabytes, !(1...(1 << 30)).contains(memoryLimitMegabytes) {
            throw ValidationError("--memory-limit-mb must be between 1 and \(1 << 30)")
        }
    }

    func run() throws {
        let input: [UInt8]
        do {
            input = try InputReader.read(files)
        } catch let error as InputError {
            StandardError.write("mdpreview: \(error)")
            throw ExitCode(SysExits.noInput)
        }
        let rendered = try render(input)
        let html = siteLinks ? Array(SiteLinks.rewrite(String(decoding: rendered, as: UTF8.self)).utf8) : rendered
        let output: [UInt8]
        if page {
            let body = String(decoding: html, as: UTF8.self)
            // As a page of an export rooted in the current folder: its assets from the root.
            let head = siteLinks ? SiteAssets.debian.head(depth: files.first.map(SiteAssets.depth(of:)) ?? 0) : ""
            output = Array(HTMLPage.wrap(body: body, title: title ?? HTMLPage.title(from: body) ?? files.first ?? "Preview", extraHead: head).utf8)
        } else {
            output = html
        }
        do {
            try StandardOutput.write(output)
        } catch {
            StandardError.write("mdpreview: cannot write to standard output: \(error)")
            throw ExitCode(SysExits.ioError)
        }
    }
}

extension RenderCommand {
    /// The HTML of `input`, from a worker process within the limits unless `--in-process`.
    private func render(_ input: [UInt8]) throws -> [UInt8] {
        if inProcess { return MarkdownRenderer(options: flags.options(defaultProfile: page ? .github : .cmark)).renderUTF8(bytes: input) }
        // A batch job's limits: 2 s + 2 ms per KiB and 1 GiB + 32 x the input, or as given.
        let limits = RenderLimits(
            baseDeadline: .milliseconds(timeoutMilliseconds ?? 2000),
            deadlinePerKiB: timeoutMilliseconds == nil ? .milliseconds(2) : .zero,
            memoryLimit: memoryLimitMegabytes.map { $0 << 20 } ?? (1 << 30) + 32 * input.count
        )
        do throws(RenderFailure) {
            let worker = try WorkerProcess(executable: Self.executablePath, memoryLimit: limits.memoryLimit)
            defer { worker.stop() }
            let result = input.withUnsafeBytes { bytes in
                Result { () throws(RenderFailure) in
                    try worker.render(bytes, options: flags.options(defaultProfile: page ? .github : .cmark), deadline: limits.deadline(forInputBytes: bytes.count), clock: SystemClock())
                }
            }
            return try result.get()
        } catch {
            StandardError.write("mdpreview: \(files.isEmpty ? "standard input" : files.joined(separator: ", ")): \(error)")
            switch error {
            case .timeout, .memory: throw ExitCode(SysExits.dataError)
            case .crash: throw ExitCode(SysExits.software)
            }
        }
    }

    /// This executable, for starting workers: `/proc/self/exe`, which runs this process's
    /// own binary even after the file was replaced or deleted (an upgrade while the
    /// server runs), where the kernel offers it.
    static var executablePath: String {
        FileManager.default.isExecutableFile(atPath: "/proc/self/exe") ? "/proc/self/exe" : CommandLine.arguments[0]
    }
}

/// A file that could not be read.
struct InputError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "\(path): \(reason)" }
}

/// Reads the command's input: the named files, concatenated, or standard input.
enum InputReader {
    static func read(_ paths: [String]) throws -> [UInt8] {
        if paths.isEmpty { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        var bytes: [UInt8] = []
        for path in paths {
            if path == "-" {
                bytes += FileHandle.standardInput.readDataToEndOfFile()
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw InputError(path: path, reason: "no such file")
            }
            if isDirectory.boolValue { throw InputError(path: path, reason: "is a directory") }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw InputError(path: path, reason: "cannot be read (permission denied?)")
            }
            bytes += data
        }
        return bytes
    }
}

/// BSD sysexits codes used by the command.
enum SysExits {
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let software: Int32 = 70
    static let ioError: Int32 = 74
}

/// Standard error, one line per message.
enum StandardError {
    static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// Standard output, with write errors surfaced instead of trapping.
enum StandardOutput {
    static func write(_ bytes: [UInt8]) throws {
        try FileHandle.standardOutput.write(contentsOf: bytes)
    }
}
