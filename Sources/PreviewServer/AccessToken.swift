/// The secret a preview server is launched with: every route but the page itself
/// requires it (as a `token` query parameter, an `Authorization: Bearer` header, or the
/// cookie the page sets), so another user or a web page on the same machine cannot read
/// the preview or drive the server.
public struct AccessToken: Sendable, Hashable, CustomStringConvertible {
    /// 64 lowercase hex digits.
    public let value: String

    /// 32 bytes from the system's cryptographic random source.
    public init() {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for _ in 0 ..< 32 {
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        value = String(decoding: text, as: UTF8.self)
    }

    /// A token with a given value (tests, or a value the user chose).
    public init(_ value: String) {
        self.value = value
    }

    /// Whether `candidate` is this token, compared in time independent of where they
    /// differ.
    public func matches(_ candidate: some StringProtocol) -> Bool {
        let expected = Array(value.utf8)
        let given = Array(candidate.utf8)
        var difference = UInt8(expected.count == given.count ? 0 : 1)
        for index in 0 ..< expected.count {
            difference |= expected[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }

    /// The value; shown only where the user is meant to see it (the printed URL).
    public var description: String { value }
}
