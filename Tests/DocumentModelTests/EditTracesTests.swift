import EditTraces
import Foundation
import Testing

/// A temporary folder, removed at deinit.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("EditTracesTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `text` to `name` in the folder, gzipped (by `gzip -n`) when `name` ends in `.gz`.
    func write(_ text: String, to name: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        guard name.hasSuffix(".gz") else {
            try Data(text.utf8).write(to: file)
            return file
        }
        let plain = url.appendingPathComponent(String(name.dropLast(3)))
        try Data(text.utf8).write(to: plain)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", "-n", "-f", plain.path]
        try gzip.run()
        gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0)
        return file
    }
}

let minimalHeader = #"{"name":"t","startContent":"ab","endContentSha256":"00","edits":EDITS}"#

func header(edits: Int) -> String {
    minimalHeader.replacingOccurrences(of: "EDITS", with: String(edits))
}

@Suite("Content digests")
struct ContentDigestTests {
    @Test("known SHA-256 vectors, as the trace headers spell them", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("héllo wörld 🙂", "2773e96d2b23b586b39cf6347af1dcd14a5793dcc7c5e7e5f805ac9b3fe8fd08"),
    ])
    func vectors(input: String, digest: String) {
        #expect(ContentDigest.sha256Hex(ofUTF8: input) == digest)
        #expect(ContentDigest.sha256Hex(of: Array(input.utf8)) == digest)
    }
}

@Suite("Reading traces")
struct TraceReaderTests {
    static let sample = """
        {"name":"sample","source":"test","license":"CC0","startContent":"héllo\\n","endContentSha256":"abc","edits":4,"hasTimestamps":true,"contentType":"markdown","positionUnit":"unicode-scalar","timeResolutionMs":1,"txns":3,"startEpochMs":1700000000000,"notes":["a note"],"format":"f"}
        {"t":0,"pos":0,"del":0,"ins":"\\"q\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u00e9\\ud83d\\ude42"}
        {"ins":"x","del":1,"pos":2,"t":5,"extra":{"nested":[1,2.5e3,"s",true,null,{}]}}
        {"t":5,"pos":3,"del":0,"ins":"🙂","c":1}
        {"t":null,"pos":0,"del":2,"ins":""}

        """

    @Test("Header and edits of an .ndjson file, then the same from .ndjson.gz", arguments: ["sample.ndjson", "sample.ndjson.gz"])
    func readsEdits(name: String) throws {
        let folder = try TemporaryFolder()
        let url = try folder.write(Self.sample, to: name)
        let reader = try TraceReader(contentsOf: url)
        #expect(reader.header == TraceHeader(
            name: "sample", source: "test", license: "CC0", startContent: "héllo\n", endContentSha256: "abc",
            edits: 4, hasTimestamps: true, contentType: "markdown", timeResolutionMs: 1, txns: 3,
            startEpochMs: 1_700_000_000_000, notes: ["a note"], format: "f"))
        var edits: [TraceEdit] = []
        while let edit = try reader.nextEdit() { edits.append(edit) }
        #expect(edits == [
            TraceEdit(timeMs: 0, position: 0, deleteCount: 0, insertedText: "\"q\" \\ / \u{8}\u{c}\n\r\t é🙂"),
            TraceEdit(timeMs: 5, position: 2, deleteCount: 1, insertedText: "x"),
            TraceEdit(timeMs: 5, position: 3, deleteCount: 0, insertedText: "🙂", continuesTransaction: true),
            TraceEdit(timeMs: nil, position: 0, deleteCount: 2, insertedText: ""),
        ])
        #expect(try reader.nextEdit() == nil)
        #expect(reader.editCount == 4)
    }

    @Test("Transactions group an edit with the edits that continue it")
    func transactions() throws {
        let folder = try TemporaryFolder()
        let reader = try TraceReader(contentsOf: folder.write(Self.sample, to: "sample.ndjson"))
        var sizes: [Int] = []
        var times: [Int?] = []
        while let transaction = try reader.nextTransaction() {
            sizes.append(transaction.edits.count)
            times.append(transaction.timeMs)
        }
        #expect(sizes == [1, 2, 1])
        #expect(times == [0, 5, nil])
    }

    @Test("A missing file is reported as such")
    func missingFile() {
        let url = URL(fileURLWithPath: "/nonexistent/trace.ndjson")
        #expect(throws: TraceError.fileNotFound(path: "/nonexistent/trace.ndjson")) { try TraceReader(contentsOf: url) }
    }

    @Test("A malformed edit line is reported with its line number", arguments: [
        (#"{"t":0,"pos":1,"del":0}"#, "missing key \"ins\""),
        (#"{"t":0,"pos":-1,"del":0,"ins":"a"}"#, "negative \"pos\" -1"),
        (#"{"t":0,"pos":1.5,"del":0,"ins":"a"}"#, "\"pos\" must be an integer, not a number"),
        (#"{"t":0,"pos":1,"del":0,"ins":3}"#, "\"ins\" must be a string, not an integer"),
        (#"{"t":0,"pos":1,"del":0,"ins":"a\ud800"}"#, "the escape \\uD800 is a high surrogate without a low surrogate after it (at byte 32)"),
        (#"{"t":0,"pos":1,"del":0,"ins":"a"} x"#, "unexpected 'x' after the end of the JSON value (at byte 35)"),
        (#"{"t":0,"pos":1,"del":0,"ins":"a"#, "the line ends inside a string (at byte 30)"),
        (#"["#, "the line ends where a value was expected (at byte 2)"),
        (#"[1]"#, "the line is an array, not an object"),
    ])
    func malformedLine(line: String, reason: String) throws {
        let folder = try TemporaryFolder()
        let url = try folder.write(header(edits: 2) + "\n{\"t\":0,\"pos\":0,\"del\":0,\"ins\":\"a\"}\n" + line + "\n", to: "bad.ndjson")
        let reader = try TraceReader(contentsOf: url)
        #expect(try reader.nextEdit() != nil)
        #expect(throws: TraceError.malformedLine(path: url.path, line: 3, reason: reason)) { try reader.nextEdit() }
    }

    @Test("Malformed headers, wrong units and truncated files are errors")
    func badFiles() throws {
        let folder = try TemporaryFolder()
        let empty = try folder.write("", to: "empty.ndjson")
        #expect(throws: TraceError.missingHeader(path: empty.path)) { try TraceReader(contentsOf: empty) }

        let noName = try folder.write(#"{"startContent":"","endContentSha256":"","edits":0}"# + "\n", to: "noname.ndjson")
        #expect {
            try TraceReader(contentsOf: noName)
        } throws: { error in
            guard case let .malformedHeader(path, _) = error as? TraceError else { return false }
            return path == noName.path
        }

        let utf16 = try folder.write(#"{"name":"t","startContent":"","endContentSha256":"","edits":0,"positionUnit":"utf-16"}"#, to: "u.ndjson")
        #expect(throws: TraceError.unsupportedPositionUnit(path: utf16.path, unit: "utf-16")) { try TraceReader(contentsOf: utf16) }

        let short = try folder.write(header(edits: 3) + "\n" + #"{"t":0,"pos":0,"del":0,"ins":"a"}"#, to: "short.ndjson")
        let reader = try TraceReader(contentsOf: short)
        #expect(try reader.nextEdit() != nil)
        #expect(throws: TraceError.editCountMismatch(path: short.path, expected: 3, found: 1)) { try reader.nextEdit() }
    }

    @Test("A corrupt .gz file is a decompression error, not a silent short trace")
    func corruptGzip() throws {
        let folder = try TemporaryFolder()
        let good = try folder.write(header(edits: 1) + "\n" + #"{"t":0,"pos":0,"del":0,"ins":"a"}"# + "\n", to: "good.ndjson.gz")
        var bytes = try Data(contentsOf: good)
        bytes.removeLast(12)  // drop part of the deflate stream and the trailer
        let truncated = folder.url.appendingPathComponent("truncated.ndjson.gz")
        try bytes.write(to: truncated)
        #expect {
            let reader = try TraceReader(contentsOf: truncated)
            while try reader.nextEdit() != nil {}
        } throws: { error in
            guard case let .decompressionFailed(path, reason) = error as? TraceError else { return false }
            return path == truncated.path && reason.contains("exit status")
        }
    }

    @Test("Headers and edits serialize as the shared traces do, and read back unchanged")
    func serializationRoundTrip() throws {
        let edits = [
            TraceEdit(timeMs: 0, position: 0, deleteCount: 0, insertedText: "a\"b\\c\n\r\t\u{1}\u{7f}é🙂"),
            TraceEdit(timeMs: nil, position: 3, deleteCount: 2, insertedText: "", continuesTransaction: true),
        ]
        #expect(edits[0].jsonLine == #"{"t":0,"pos":0,"del":0,"ins":"a\"b\\c\n\r\t\u0001"# + "\u{7f}é🙂\"}")
        #expect(edits[1].jsonLine == #"{"t":null,"pos":3,"del":2,"ins":"","c":1}"#)
        let trace = EditTrace(
            header: TraceHeader(
                name: "n", source: nil, license: "L", startContent: "x\ny", endContentSha256: "h", edits: 2,
                hasTimestamps: false, contentType: nil, timeResolutionMs: nil, txns: 1, startEpochMs: nil, notes: []),
            edits: edits)
        #expect(trace.header.jsonLine == #"{"name":"n","source":null,"license":"L","startContent":"x\ny","endContentSha256":"h","edits":2,"hasTimestamps":false,"contentType":null,"positionUnit":"unicode-scalar","timeResolutionMs":null,"txns":1,"startEpochMs":null,"notes":[],"format":""# + TraceHeader.formatDescription + "\"}")
        let folder = try TemporaryFolder()
        let url = folder.url.appendingPathComponent("round.ndjson")
        try trace.write(to: url)
        #expect(try EditTrace(contentsOf: url) == trace)
    }
}
