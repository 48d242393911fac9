import Foundation
import MarkdownRenderer
import TestSupport
import Testing

/// One example of a cmark-gfm spec_tests file.
struct SpecExample {
    let file: String
    let number: Int
    let line: Int
    let markdown: String
    let html: String
    let extensions: [String]
}

/// Parses the upstream spec_tests format: a fence of 32 backticks + ` example [ext ...]`,
/// the Markdown, a line holding only `.`, the HTML, and a closing fence. `→` is a tab.
func parseSpecExamples(file: String, text: String) -> (enabled: [SpecExample], disabled: Int) {
    let fence = String(repeating: "`", count: 32)
    var enabled: [SpecExample] = []
    var disabled = 0
    var number = 0
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
    var lineNumber = 0
    while let line = lines.popFirst() {
        lineNumber += 1
        guard line.hasPrefix(fence + " example") else { continue }
        number += 1
        let startLine = lineNumber
        let words = line.dropFirst(fence.count + " example".count).split(separator: " ").map(String.init)
        var markdown: [Substring] = []
        var html: [Substring] = []
        var inHTML = false
        while let body = lines.popFirst() {
            lineNumber += 1
            if body == fence { break }
            if !inHTML && body == "." { inHTML = true; continue }
            if inHTML { html.append(body) } else { markdown.append(body) }
        }
        if words.contains("disabled") { disabled += 1; continue }
        func join(_ parts: [Substring]) -> String {
            parts.map { $0 + "\n" }.joined().replacingOccurrences(of: "→", with: "\t")
        }
        enabled.append(SpecExample(file: file, number: number, line: startLine, markdown: join(markdown), html: join(html), extensions: words))
    }
    return (enabled, disabled)
}

/// The options upstream's test runner uses for each file (see conformance/README.md).
func conformanceOptions(file: String, example: SpecExample) -> RenderOptions {
    let all = Set(GFMExtension.allCases)
    var options = RenderOptions(extensions: Set(example.extensions.compactMap(GFMExtension.init(rawValue:))), allowsUnsafeHTML: true)
    switch file {
    case "extensions.txt":
        options.extensions = all
    case "smart_punct.txt":
        options.smartPunctuation = true
    case "extensions-full-info-string.txt":
        options.fullInfoString = true
    case "extensions-table-prefer-style-attributes.txt":
        options.extensions = all
        options.tablePreferStyleAttributes = true
    default:
        break
    }
    return options
}

@Suite("cmark-gfm 0.29.0.gfm.6 conformance")
struct ConformanceTests {
    @Test("every enabled example of ../shared/conformance renders exactly", .enabled(if: SharedData.runsTests(needing: "conformance"), "needs ../shared/conformance"))
    func allExamples() throws {
        let files = try SharedData.files(in: "conformance", suffixes: [".txt"])
        if SharedData.isCI { #expect(!files.isEmpty) }
        var ran = 0
        var passed = 0
        var disabledCount = 0
        var failures: [String] = []
        for url in files {
            let text = try String(decoding: Data(contentsOf: url), as: UTF8.self)
            let (examples, disabled) = parseSpecExamples(file: url.lastPathComponent, text: text)
            disabledCount += disabled
            for example in examples {
                ran += 1
                let html = MarkdownRenderer(options: conformanceOptions(file: example.file, example: example)).render(example.markdown)
                // Upstream's runner passes `<IGNORE>` examples when the render completes
                // (they guard against crashes, not output).
                let ignoresOutput = example.html == "<IGNORE>\n" && !html.isEmpty
                if html == example.html || ignoresOutput {
                    passed += 1
                } else {
                    failures.append("\(example.file) example \(example.number) (line \(example.line)):\n--- expected\n\(example.html)--- got\n\(html)")
                }
            }
        }
        print("conformance: \(passed)/\(ran) enabled examples passed (\(disabledCount) disabled, \(files.count) files)")
        #expect(failures.isEmpty, "\(failures.count) failing examples:\n\(failures.prefix(10).joined(separator: "\n"))")
        #expect(passed == ran)
    }

    @Test("the spec_tests parser reads fences, the dot separator, tabs and disabled examples")
    func parserReadsFormat() {
        let fence = String(repeating: "`", count: 32)
        let text = """
        intro
        \(fence) example
        a→b
        .
        <p>a→b</p>
        \(fence)
        \(fence) example disabled
        x
        .
        <p>x</p>
        \(fence)
        \(fence) example table strikethrough
        .
        \(fence)

        """
        let (examples, disabled) = parseSpecExamples(file: "f.txt", text: text)
        #expect(disabled == 1)
        #expect(examples.count == 2)
        #expect(examples[0].markdown == "a\tb\n")
        #expect(examples[0].html == "<p>a\tb</p>\n")
        #expect(examples[1].number == 3)
        #expect(examples[1].extensions == ["table", "strikethrough"])
        #expect(examples[1].markdown == "" && examples[1].html == "")
    }
}
