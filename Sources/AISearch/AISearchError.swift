/// The one error type of the library: a coarse code the CLI maps to an exit status, a
/// message written for the user (what went wrong and how to fix it), and the path involved.
public struct AISearchError: Error, CustomStringConvertible, Equatable {
  public enum Code: Equatable, Sendable {
    /// The caller asked for something malformed (empty query, bad option value).
    case usage
    /// An input path is missing or unreadable.
    case input
    /// There is no index where one was expected.
    case noIndex
    /// Another process holds the writer lock.
    case locked
    /// An index file failed its magic, version, bounds or checksum test.
    case corrupt
    /// An operating-system call failed.
    case io
    /// ICU reported a failure.
    case icu
  }

  public var code: Code
  public var message: String
  public var path: String?

  public init(_ code: Code, _ message: String, path: String? = nil) {
    self.code = code
    self.message = message
    self.path = path
  }

  public var description: String { message }

  static func otherAnalyzer(_ directory: String) -> AISearchError {
    AISearchError(
      .corrupt,
      "index \(directory) was built by another analyzer version; rebuild it with `aisearch index --rebuild PATH...`",
      path: directory)
  }

  static func corrupt(_ path: String, _ what: String) -> AISearchError {
    AISearchError(
      .corrupt,
      "index file \(path) is corrupt (\(what)); rebuild it with `aisearch index --rebuild PATH...`",
      path: path)
  }
}
