public import DocumentModel

/// Read access to the UTF-8 bytes of a text: what the incremental renderer needs of a
/// document, so that it copies only the part it re-parses.
public protocol UTF8Source {
    /// The size of the text in UTF-8 bytes.
    var utf8Count: Int { get }
    /// Calls `body` with the bytes `range` (offsets in bounds).
    func withUTF8<Result>(in range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result
}

extension String: UTF8Source {
    /// The size of the string in UTF-8 bytes.
    public var utf8Count: Int { utf8.count }

    /// Calls `body` with the UTF-8 bytes `range`, without a copy for a native string.
    public func withUTF8<Result>(in range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = utf8.withContiguousStorageIfAvailable({ body(UnsafeBufferPointer(rebasing: $0[range])) }) {
            return result
        }
        return Array(utf8).withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
    }
}

extension TextSnapshot: UTF8Source {}
