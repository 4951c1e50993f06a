import AISearch

#if canImport(Glibc)
  import Glibc
#endif

/// The common command line `aisearch WORDS... [--index DIR] [-k N] [--format F] [--explain]`
/// read without swift-argument-parser, whose reflection-based parsing is 2 ms of a 15 ms
/// search from a new process. Anything else (a subcommand, help, another option, a value
/// that does not parse, an empty query) returns nil and goes through the full parser, which
/// also gives every error its message; so both paths accept the same command lines and
/// behave alike (tested end to end).
enum QuickSearch {
  struct Request {
    var words: [String] = []
    var directory: String?
    var limit = 10
    var format = OutputFormat.text
    var explain = false
  }

  /// The root command's subcommand names (and ArgumentParser's own `help`), written out:
  /// reading them from `AISearchCommand.configuration` builds every command's metadata,
  /// 1% of a search from a new process (a test keeps the two equal).
  static let subcommands: Set<String> = ["search", "index", "check", "stats", "eval", "help"]

  static func parse(_ arguments: ArraySlice<String>) -> Request? {
    guard let first = arguments.first, !subcommands.contains(first) else { return nil }
    var request = Request()
    var i = arguments.startIndex
    func value() -> String? {
      i += 1
      return i < arguments.endIndex ? arguments[i] : nil
    }
    while i < arguments.endIndex {
      let argument = arguments[i]
      switch argument {
      case "--index":
        guard let directory = value(), request.directory == nil else { return nil }
        request.directory = directory
      case "-k":
        guard let text = value(), let limit = Int(text), (1...SearchCommand.maxLimit).contains(limit) else { return nil }
        request.limit = limit
      case "--format":
        guard let text = value(), let format = OutputFormat(rawValue: text) else { return nil }
        request.format = format
      case "--explain":
        request.explain = true
      default:
        // Options the full parser knows, and anything it would call unknown, go there; a
        // single-dash word is a query exclusion, as the full parser reads it too.
        if argument.hasPrefix("--") || argument == "-h" || argument.hasPrefix("-k") || argument == "-" {
          return nil
        }
        request.words.append(argument)
      }
      i += 1
    }
    guard !request.words.joined(separator: " ").allSatisfy(\.isWhitespace) else { return nil }
    return request
  }

  /// Runs the request if the command line is one; returns only when it is not.
  static func runIfApplicable() throws {
    guard let request = parse(CommandLine.arguments.dropFirst()) else { return }
    let (directory, isDefault) = IndexOptions.resolve(request.directory)
    try SearchCommand.searchOnce(
      request.words.joined(separator: " "), directory: directory, isDefault: isDefault, limit: request.limit,
      format: request.format, explain: request.explain)
  }
}
