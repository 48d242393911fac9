/// Byte tests on eight bytes at once (the classic "has zero byte" bit tricks; exact as
/// yes/no answers).
public enum SWAR {
    @usableFromInline static let ones: UInt64 = 0x0101_0101_0101_0101
    @usableFromInline static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether some byte of `word` is below `limit` (at most 128).
    @inlinable
    public static func hasByte(below limit: UInt64, in word: UInt64) -> Bool {
        (word &- ones &* limit) & ~word & highs != 0
    }

    /// Whether some byte of `word` equals `byte`.
    @inlinable
    public static func hasByte(equalTo byte: UInt64, in word: UInt64) -> Bool {
        hasByte(below: 1, in: word ^ (ones &* byte))
    }

    /// Whether some byte of `word` is not plain ASCII (0x80 or above).
    @inlinable
    public static func hasNonASCII(_ word: UInt64) -> Bool {
        word & highs != 0
    }

    /// Whether some byte of `word` may need escaping in a JSON string: a control
    /// character, `"`, `\`, DEL, or 0xE2 (which starts U+2028 and U+2029).
    @inlinable
    public static func mayNeedEscape(_ word: UInt64) -> Bool {
        hasByte(below: 0x20, in: word) || hasByte(equalTo: 0x22, in: word) || hasByte(equalTo: 0x5C, in: word)
            || hasByte(equalTo: 0x7F, in: word) || hasByte(equalTo: 0xE2, in: word)
    }
}
