internal import COpenSSLCrypto

/// The SHA-256 digests traces use for their `endContentSha256` (OpenSSL's libcrypto), as
/// lowercase hex.
public enum ContentDigest {
    /// The SHA-256 of `bytes`, as 64 lowercase hex digits.
    public static func sha256Hex(of bytes: some Sequence<UInt8>) -> String {
        Array(bytes).withUnsafeBufferPointer { sha256Hex($0) }
    }

    /// The SHA-256 of `text`'s UTF-8 bytes, as 64 lowercase hex digits.
    public static func sha256Hex(ofUTF8 text: String) -> String {
        var text = text
        return text.withUTF8 { sha256Hex($0) }
    }

    private static func sha256Hex(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let succeeded = digest.withUnsafeMutableBufferPointer { out in
            EVP_Digest(bytes.baseAddress, bytes.count, out.baseAddress, &length, EVP_sha256(), nil) == 1
        }
        precondition(succeeded && length == 32, "OpenSSL's SHA-256 failed")
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in digest {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
