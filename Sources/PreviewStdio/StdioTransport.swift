#if canImport(Glibc)
import Glibc
#endif

/// Where a ``StdioServer`` reads its request bytes and writes its event lines: standard
/// input and output (``FileDescriptorTransport``), or a test's in-memory pipes.
public protocol StdioTransport: Sendable {
    /// Reads up to `buffer.count` bytes, waiting until some arrive: the count read, 0 at
    /// the end of input, or nil when reading failed (`error` says why).
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int?
    /// Writes all of `bytes`, waiting while the reader does not read; false when the
    /// other end is closed (the server then writes nothing more).
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool
}

/// A pair of file descriptors: by default standard input and standard output.
public struct FileDescriptorTransport: StdioTransport {
    /// The descriptor requests are read from.
    public let input: Int32
    /// The descriptor events are written to.
    public let output: Int32

    /// Reads `input`, writes `output`.
    public init(input: Int32 = 0, output: Int32 = 1) {
        self.input = input
        self.output = output
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        while true {
            let count = Glibc.read(input, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { return nil }
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(output, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }
}
