import AISearch
import ArgumentParser

#if canImport(Glibc)
  import Glibc
#endif

/// `--index DIR`, shared by every subcommand.
struct IndexOptions: ParsableArguments {
  @Option(name: .customLong("index"), help: "Index directory (default: $AISEARCH_INDEX, else ./index).")
  var explicitDirectory: String?

  static let defaultDirectory = "index"

  /// The directory given by the flag, else the environment, else ./index.
  var directory: String { IndexOptions.resolve(explicitDirectory).directory }

  /// True when neither the flag nor the environment chose the directory.
  var isDefault: Bool { IndexOptions.resolve(explicitDirectory).isDefault }

  static func resolve(_ explicit: String?) -> (directory: String, isDefault: Bool) {
    if let explicit { return (explicit, false) }
    guard let environment = getenv("AISEARCH_INDEX") else { return (defaultDirectory, true) }
    return (environment.pointee != 0 ? String(cString: environment) : defaultDirectory, false)
  }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json, jsonl
}
