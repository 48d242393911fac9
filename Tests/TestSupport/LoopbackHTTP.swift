import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A deliberately raw HTTP/1.1 client for tests of the preview server: it sends the
/// request bytes exactly as given (paths are not normalised, any `Host` or `Origin`
/// can be sent) over a loopback TCP connection. Blocking, with a receive timeout; call it
/// from a thread or from `LoopbackHTTP.send` (which runs it off the cooperative pool).
public final class LoopbackConnection: @unchecked Sendable {
    private let fd: Int32
    private var buffer: [UInt8] = []

    /// What went wrong.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Connects to 127.0.0.1:`port`; reads time out after `timeoutSeconds`. A
    /// `receiveBuffer` (bytes) keeps the kernel from buffering much for a reader that
    /// stops reading.
    public init(port: Int, timeoutSeconds: Int = 20, receiveBuffer: Int? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        if var size = receiveBuffer.map(Int32.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // A failed init still runs deinit (every property is set), which closes the
        // socket: closing it here too would close whatever reused the number (an event
        // loop's socket, once).
        guard connected == 0 else { throw Failure(description: "connect to port \(port): errno \(errno)") }
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Writes all of `bytes`.
    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw Failure(description: "send: errno \(errno)") }
            offset += written
        }
    }

    /// Reads more bytes into the buffer; false at end of stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 { throw Failure(description: errno == EAGAIN ? "timed out waiting for the server" : "recv: errno \(errno)") }
        if count == 0 { return false }
        buffer.append(contentsOf: chunk[..<count])
        return true
    }

    /// Reads up to and including `delimiter`; nil at end of stream.
    public func read(through delimiter: [UInt8]) throws -> [UInt8]? {
        var searchFrom = 0
        while true {
            if buffer.count >= delimiter.count {
                for start in searchFrom ... (buffer.count - delimiter.count) where buffer[start ..< start + delimiter.count].elementsEqual(delimiter) {
                    let result = Array(buffer[..<(start + delimiter.count)])
                    buffer.removeFirst(start + delimiter.count)
                    return result
                }
                searchFrom = buffer.count - delimiter.count + 1
            }
            guard try fill() else { return nil }
        }
    }

    /// Reads everything until the server closes the connection.
    public func readToEnd() throws -> [UInt8] {
        while try fill() {}
        defer { buffer = [] }
        return buffer
    }

    /// Reads a response head (status line and headers).
    public func readHead() throws -> LoopbackResponse {
        sawHead = true
        guard let head = try read(through: Array("\r\n\r\n".utf8)) else { throw Failure(description: "the connection closed before a response") }
        return LoopbackResponse(head: String(decoding: head, as: UTF8.self), body: [])
    }

    /// Reads a whole response: its head, then a body of `Content-Length` bytes, a
    /// chunked body, or everything until the server closes the connection.
    public func readResponse() throws -> LoopbackResponse {
        guard let headBytes = try read(through: Array("\r\n\r\n".utf8)) else { throw Failure(description: "the connection closed before a response") }
        let head = String(decoding: headBytes, as: UTF8.self)
        let parsed = LoopbackResponse(head: head, body: [])
        if let length = parsed.header("content-length").flatMap({ Int($0) }) {
            while buffer.count < length { guard try fill() else { break } }
            let body = Array(buffer.prefix(length))
            buffer.removeFirst(body.count)
            return LoopbackResponse(head: head, body: body)
        }
        if parsed.header("transfer-encoding") == "chunked" {
            while true {
                dechunk()
                if bodyEnded { break }
                guard try fill() else { break }
            }
            defer { body = [] }
            return LoopbackResponse(head: head, body: body)
        }
        return LoopbackResponse(head: head, body: try readToEnd())
    }

    /// Reads one Server-Sent Events frame (through its blank line) of a chunked
    /// response (reading its head first, which must say 200); nil at the end of the
    /// response or the stream.
    /// O(bytes read) overall.
    public func readEvent() throws -> ReceivedEvent? {
        if !sawHead {
            let head = try readHead()
            guard head.status == 200 else { throw Failure(description: "the stream answered \(head.status)") }
        }
        while true {
            dechunk()
            if let end = eventEnd() {
                let frame = String(decoding: body[..<end], as: UTF8.self)
                body.removeFirst(end + 2)
                bodyScan = 0
                return ReceivedEvent(frame: frame)
            }
            if bodyEnded { return nil }
            guard try fill() else { return nil }
        }
    }

    /// The response head was read.
    private var sawHead = false
    /// The response body decoded from its chunks, not yet handed out as events.
    private var body: [UInt8] = []
    /// Where the search for the end of an event resumes in `body`.
    private var bodyScan = 0
    /// Bytes of the current chunk still to come; -1 while its CRLF is.
    private var chunkRemaining = 0
    /// The last (empty) chunk was read: the response is complete.
    private var bodyEnded = false

    /// Moves chunk data from `buffer` to `body`, leaving at most an incomplete chunk
    /// header behind.
    private func dechunk() {
        var index = 0
        while index < buffer.count, !bodyEnded {
            if chunkRemaining > 0 {
                let take = min(chunkRemaining, buffer.count - index)
                body += buffer[index ..< index + take]
                index += take
                chunkRemaining -= take
                if chunkRemaining == 0 { chunkRemaining = -1 }
            } else if chunkRemaining < 0 {
                guard buffer.count - index >= 2 else { break }
                index += 2
                chunkRemaining = 0
            } else {
                guard let lineEnd = buffer[index...].firstIndex(of: 0x0A) else { break }
                let size = Int(String(decoding: buffer[index ..< lineEnd], as: UTF8.self).trimming("\r "), radix: 16) ?? 0
                index = lineEnd + 1
                if size == 0 { bodyEnded = true } else { chunkRemaining = size }
            }
        }
        buffer.removeFirst(bodyEnded ? buffer.count : index)
    }

    private func eventEnd() -> Int? {
        var index = max(bodyScan - 1, 0)
        while index + 1 < body.count {
            if body[index] == 0x0A && body[index + 1] == 0x0A { return index }
            index += 1
        }
        bodyScan = body.count
        return nil
    }

    /// Shuts the connection down (the server sees it closed).
    public func close() {
        shutdown(fd, Int32(SHUT_RDWR))
    }
}

/// A response read whole.
public struct LoopbackResponse: Sendable {
    /// The status code.
    public let status: Int
    /// The headers, names lowercased.
    public let headers: [(name: String, value: String)]
    /// The body.
    public let body: [UInt8]

    init(head: String, body: [UInt8]) {
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: true)
        status = lines.first.flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } } ?? 0
        headers = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), String(line[line.index(after: colon)...]).trimming(" "))
        }
        self.body = body
    }

    /// The first value of header `name`.
    public func header(_ name: String) -> String? { headers.first { $0.name == name.lowercased() }?.value }

    /// The body as text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// One Server-Sent Events frame as a test client receives it.
public struct ReceivedEvent: Sendable, Equatable {
    /// `id:`, `event:` and the `data:` lines joined; comment lines (`:`) in `comments`.
    public var id: String?, event: String?, data: String?, comments: [String] = []

    init(frame: String) {
        for line in frame.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") { comments.append(String(line.dropFirst()).trimming(" ")); continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = String(line[line.index(after: colon)...]).trimming(" ")
            switch line[..<colon] {
            case "id": id = value
            case "event": event = value
            case "data": data = (data.map { $0 + "\n" } ?? "") + value
            default: break
            }
        }
    }
}

/// One-shot requests.
public enum LoopbackHTTP {
    /// Sends `request` (a whole HTTP/1.1 request; `Connection: close` is expected in it)
    /// and reads the response to the end, on a thread of its own.
    public static func send(port: Int, _ request: String, body: [UInt8] = []) async throws -> LoopbackResponse {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do {
                    let connection = try LoopbackConnection(port: port)
                    try connection.write(Array(request.utf8) + body)
                    let response = try connection.readResponse()
                    continuation.resume(returning: response)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.start()
        }
    }

    /// A GET of `path` with `Host: 127.0.0.1:port`, `Connection: close` and `headers`.
    public static func get(port: Int, _ path: String, headers: [String] = [], host: String? = nil) async throws -> LoopbackResponse {
        let lines = ["GET \(path) HTTP/1.1", "Host: \(host ?? "127.0.0.1:\(port)")", "Connection: close"] + headers
        return try await send(port: port, lines.joined(separator: "\r\n") + "\r\n\r\n")
    }

    /// A POST of `body` to `path`.
    public static func post(port: Int, _ path: String, body: [UInt8], headers: [String] = []) async throws -> LoopbackResponse {
        let lines = ["POST \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Connection: close", "Content-Length: \(body.count)",
                     "Content-Type: application/json"] + headers
        return try await send(port: port, lines.joined(separator: "\r\n") + "\r\n\r\n", body: body)
    }

    /// A DELETE of `path`.
    public static func delete(port: Int, _ path: String, headers: [String] = []) async throws -> LoopbackResponse {
        let lines = ["DELETE \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Connection: close"] + headers
        return try await send(port: port, lines.joined(separator: "\r\n") + "\r\n\r\n")
    }
}

extension String {
    fileprivate func trimming(_ set: String) -> String {
        let characters = Set(set)
        return String(drop { characters.contains($0) }.reversed().drop { characters.contains($0) }.reversed())
    }
}
