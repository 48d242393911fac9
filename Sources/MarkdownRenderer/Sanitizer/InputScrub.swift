/// The `github` profile's input, cleared of the characters that stand for our own
/// markup while a block is rendered and sanitized (``HeadingTemplate``'s U+0001 and
/// U+0002, ``TrustedMarkup``'s noncharacters U+FDD0–U+FDDF): each becomes U+FFFD, so no
/// document can forge a heading marker or an icon.
enum InputScrub {
    /// `input` with those characters replaced, or nil when it has none. O(length).
    static func scrubbed(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let first = firstMatch(in: input, from: 0) else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count + 16)
        output.append(contentsOf: input[..<first.start])
        var position = first.start
        var match: (start: Int, length: Int)? = first
        while let current = match {
            output.append(contentsOf: input[position ..< current.start])
            output.append(contentsOf: [0xEF, 0xBF, 0xBD])
            position = current.start + current.length
            match = firstMatch(in: input, from: position)
        }
        output.append(contentsOf: input[position...])
        return output
    }

    private static func firstMatch(in input: UnsafeBufferPointer<UInt8>, from start: Int) -> (start: Int, length: Int)? {
        var index = start
        while index < input.count {
            let byte = input[index]
            if byte == 0x01 || byte == 0x02 { return (index, 1) }
            if byte == 0xEF, index + 2 < input.count, input[index + 1] == 0xB7, (0x90 ... 0x9F).contains(input[index + 2]) { return (index, 3) }
            index += 1
        }
        return nil
    }
}
