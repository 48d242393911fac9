#if canImport(Glibc)
import Glibc
#endif

/// The file this process runs, as the `/proc/self/exe` link names it; nil where there is
/// no such link.
func ownExecutablePath() -> String? {
    var path = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink("/proc/self/exe", &path, path.count - 1)
    guard length > 0 else { return nil }
    return String(decoding: path.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
