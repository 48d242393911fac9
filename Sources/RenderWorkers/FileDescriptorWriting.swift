#if canImport(Glibc)
import Glibc
#endif

/// Writes all of `bytes` to `fd`, retrying short writes and EINTR. Returns false when
/// the descriptor refuses (a closed pipe gives EPIPE, as SIGPIPE is ignored; a full disk
/// ENOSPC), with `errno` set.
package func writeAll(_ bytes: [UInt8], to fd: Int32) -> Bool {
    bytes.withUnsafeBytes { writeAll($0, to: fd) }
}

/// Writes all of `bytes` to `fd`, retrying short writes and EINTR.
func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> Bool {
    var written = 0
    while written < bytes.count {
        let put = write(fd, bytes.baseAddress! + written, bytes.count - written)
        if put > 0 { written += put; continue }
        if put < 0 && errno == EINTR { continue }
        return false
    }
    return true
}
