import AISearch

#if canImport(Glibc)
  import Glibc
#endif

/// Exit statuses, as grep uses them where they overlap.
enum ExitStatus {
  static let ok: Int32 = 0
  static let noResults: Int32 = 1
  static let usage: Int32 = 2
  static let index: Int32 = 3

  static func of(_ error: AISearchError) -> Int32 {
    switch error.code {
    case .usage, .input: return usage
    case .noIndex, .locked, .corrupt, .io, .icu: return index
    }
  }
}

/// Writes one "aisearch: …" line (or block, for usage) to stderr.
func printError(_ message: String) {
  var text = message.hasPrefix("aisearch") ? message : "aisearch: " + message
  if !text.hasSuffix("\n") { text += "\n" }
  fputs(text, stderr)
}
