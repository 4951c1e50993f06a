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
  var directory: String {
    if let explicitDirectory { return explicitDirectory }
    if let environment = getenv("AISEARCH_INDEX"), environment.pointee != 0 { return String(cString: environment) }
    return IndexOptions.defaultDirectory
  }

  /// True when neither the flag nor the environment chose the directory.
  var isDefault: Bool { explicitDirectory == nil && getenv("AISEARCH_INDEX") == nil }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json, jsonl
}
