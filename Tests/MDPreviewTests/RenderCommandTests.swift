import Foundation
import TestSupport
import Testing

@Suite("mdpreview render")
struct RenderCommandTests {
    func mdpreview(_ arguments: [String], input: String = "") throws -> ProcessResult {
        try Subprocess.run(try Subprocess.builtProduct("mdpreview"), arguments, input: Data(input.utf8))
    }

    func temporaryFile(_ contents: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mdpreview-\(UUID().uuidString).md")
        try Data(contents.utf8).write(to: url)
        return url
    }

    @Test("reads standard input by default and with '-'; 'render' is the default subcommand")
    func standardInput() throws {
        for arguments in [[], ["render"], ["render", "-"]] {
            let result = try mdpreview(arguments, input: "# Hi www.example.com\n")
            #expect(result.status == 0)
            #expect(result.stdoutText == "<h1>Hi <a href=\"http://www.example.com\">www.example.com</a></h1>\n")
            #expect(result.stderr.isEmpty)
        }
    }

    @Test("several files are concatenated into one document, as cmark-gfm does")
    func concatenation() throws {
        let first = try temporaryFile("[a]\n")
        let second = try temporaryFile("\n[a]: https://x.example\n")
        defer { try? FileManager.default.removeItem(at: first); try? FileManager.default.removeItem(at: second) }
        let result = try mdpreview(["render", first.path, second.path])
        #expect(result.stdoutText == "<p><a href=\"https://x.example\">a</a></p>\n")
    }

    @Test("--version names mdpreview's release and the libcmark-gfm it loaded")
    func version() throws {
        let result = try mdpreview(["--version"])
        #expect(result.status == 0)
        let line = result.stdoutText.trimmingCharacters(in: .newlines)
        #expect(line.hasPrefix("mdpreview ") && line.contains("(libcmark-gfm 0.29.0"), "\(line)")
    }

    @Test("a first word that is neither a command nor a file: 'unknown command' with the list, exit 64; files and '-' still render")
    func unknownCommand() throws {
        let result = try mdpreview(["serv", "x.md"])
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        let message = String(decoding: result.stderr, as: UTF8.self)
        #expect(message.contains("unknown command ‘serv’"), "\(message)")
        for command in ["render", "serve", "stdio", "export"] { #expect(message.contains(command), "\(command)") }
        #expect(!message.contains("render-worker"), "the worker command is internal")
        let file = try temporaryFile("# here\n")
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try mdpreview([file.path]).stdoutText == "<h1>here</h1>\n")
        #expect(try mdpreview(["-"], input: "*a*\n").stdoutText == "<p><em>a</em></p>\n")
        let help = try mdpreview(["help", "serve"])
        #expect(help.status == 0 && help.stdoutText.contains("serve"))
    }

    @Test("a missing file: one line on stderr naming it, exit 66, nothing on stdout")
    func missingFile() throws {
        let present = try temporaryFile("# here\n")
        defer { try? FileManager.default.removeItem(at: present) }
        let result = try mdpreview(["render", present.path, "/nonexistent/missing.md"])
        #expect(result.status == 66)
        #expect(result.stdout.isEmpty)
        let lines = result.stderrText.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("/nonexistent/missing.md") == true)
    }

    @Test("a directory or an unreadable file is refused the same way")
    func unreadable() throws {
        let directory = FileManager.default.temporaryDirectory.path
        let result = try mdpreview(["render", directory])
        #expect(result.status == 66)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText.contains(directory))
    }

    @Test("renderer flags reach the renderer")
    func flags() throws {
        #expect(try mdpreview(["--unsafe"], input: "<b>x</b>\n").stdoutText == "<p><b>x</b></p>\n")
        #expect(try mdpreview([], input: "<b>x</b>\n").stdoutText == "<p><!-- raw HTML omitted -->x<!-- raw HTML omitted --></p>\n")
        #expect(try mdpreview(["--sourcepos"], input: "x\n").stdoutText == "<p data-sourcepos=\"1:1-1:1\">x</p>\n")
        #expect(try mdpreview(["--smart"], input: "a -- b\n").stdoutText == "<p>a – b</p>\n")
        #expect(try mdpreview(["--hardbreaks"], input: "a\nb\n").stdoutText == "<p>a<br />\nb</p>\n")
        #expect(try mdpreview(["--github-pre-lang"], input: "```c\nx\n```\n").stdoutText == "<pre lang=\"c\"><code>x\n</code></pre>\n")
        #expect(try mdpreview(["--no-extensions"], input: "~~x~~\n").stdoutText == "<p>~~x~~</p>\n")
        #expect(try mdpreview(["-e", "strikethrough"], input: "~~x~~ www.a.com\n").stdoutText == "<p><del>x</del> www.a.com</p>\n")
    }

    @Test("bad flags are usage errors (exit 64) with nothing on stdout")
    func usageErrors() throws {
        for arguments in [["-e", "bogus"], ["--no-extensions", "-e", "table"], ["--hardbreaks", "--nobreaks"], ["--no-such-flag"]] {
            let result = try mdpreview(arguments)
            #expect(result.status == 64, "\(arguments)")
            #expect(result.stdout.isEmpty)
            #expect(!result.stderr.isEmpty)
        }
    }

    @Test("--page writes a standalone page titled by the first heading, with CSS")
    func page() throws {
        let result = try mdpreview(["--page"], input: "# Fish & \\<Chips\\>\n\ntext\n")
        let html = result.stdoutText
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<title>Fish &amp; &lt;Chips&gt;</title>"))
        #expect(html.contains("<style>"))
        #expect(html.contains(##"<h1 id="fish--chips"><a class="anchor" href="#fish--chips" aria-label="Link to this section"></a>Fish &amp; &lt;Chips&gt;</h1>"## + "\n<p>text</p>\n</main>"), "the github profile")
        let plain = try mdpreview(["--page", "--profile", "cmark"], input: "# Fish\n")
        #expect(plain.stdoutText.contains("<h1>Fish</h1>\n</main>"))
        let front = try mdpreview(["--page"], input: "---\ntitle: From &amp; front\n---\n# Heading\n")
        #expect(front.stdoutText.contains("<title>From &amp;amp; front</title>"), "the front matter's title, escaped")
        #expect(html.hasSuffix("</html>\n"))
        let titled = try mdpreview(["--page", "--title", "Mine"], input: "no heading\n")
        #expect(titled.stdoutText.contains("<title>Mine</title>"))
    }

    @Test("invalid UTF-8 and NUL on stdin become U+FFFD")
    func hostileStdin() throws {
        let url = try temporaryFile("")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data([0x61, 0xFF, 0x00, 0x62, 0x0A]).write(to: url)
        #expect(try mdpreview([url.path]).stdoutText == "<p>a\u{FFFD}\u{FFFD}b</p>\n")
    }
}
