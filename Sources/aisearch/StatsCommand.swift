import AISearch
import ArgumentParser

/// `aisearch stats`: what the index holds and its size per file kind.
struct StatsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stats", abstract: "Print the index's documents, passages, terms, segments and bytes per file kind.")

  @OptionGroup var indexOptions: IndexOptions

  func run() throws {
    let s = try IndexStatistics.collect(directory: indexOptions.directory)
    var out = "index      \(indexOptions.directory) (commit \(s.generation))\n"
    out += "documents  \(s.files)\n"
    out += "passages   \(s.passages) (\(s.deletedPassages) deleted, not yet merged away)\n"
    out += "terms      \(s.terms)\n"
    out += "segments   \(s.segments)\n"
    let total = s.bytes.reduce(UInt64(0)) { $0 + $1.bytes }
    for (kind, bytes) in s.bytes + [("total", total)] {
      out += "bytes      " + kind + String(repeating: " ", count: max(1, 10 - kind.count)) + "\(bytes)\n"
    }
    Output.write(out)
    Output.flush()
  }
}
