import ArgumentParser
import Foundation
import MarkdownRenderer

/// `mdpreview render [FILE ...]`: a one-shot render of files or standard input.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render files (concatenated, like cmark-gfm) or standard input to HTML on standard output.",
        discussion: """
        Invalid UTF-8 and NUL bytes are replaced with U+FFFD. A missing or unreadable file \
        is named on standard error and nothing is written to standard output \
        (exit status 66, EX_NOINPUT).
        """
    )

    @Argument(help: "Markdown files to read; standard input when none or '-'.")
    var files: [String] = []

    @OptionGroup var flags: RenderFlags

    @Flag(help: "Write a standalone HTML page with readable default CSS.")
    var page = false

    @Option(help: "The page title with --page (default: the first heading, else the file name).")
    var title: String?

    func run() throws {
        let input: [UInt8]
        do {
            input = try InputReader.read(files)
        } catch let error as InputError {
            StandardError.write("mdpreview: \(error)")
            throw ExitCode(SysExits.noInput)
        }
        let renderer = MarkdownRenderer(options: flags.options)
        let output: [UInt8]
        if page {
            let body = renderer.render(bytes: input)
            output = Array(HTMLPage.wrap(body: body, title: title ?? HTMLPage.title(from: body) ?? files.first ?? "Preview").utf8)
        } else {
            output = renderer.renderUTF8(bytes: input)
        }
        do {
            try StandardOutput.write(output)
        } catch {
            StandardError.write("mdpreview: cannot write to standard output: \(error)")
            throw ExitCode(SysExits.ioError)
        }
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
    static let noInput: Int32 = 66
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
