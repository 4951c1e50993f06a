import AISearch
import ArgumentParser

/// `aisearch index PATH... [--index DIR] [--rebuild]`.
struct IndexCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "index",
    abstract: "Add PATHs (files or directories) to the index, or bring it up to date.",
    discussion: """
      Indexes .txt .md .markdown .html .htm and extension-less text files. Unchanged files
      are not read again; changed files are re-indexed; files deleted under a PATH leave the
      index. Each run is one atomic commit: a killed run leaves the previous commit intact.
      """)

  @Argument(help: "Files or directories to index.")
  var paths: [String]

  @OptionGroup var indexOptions: IndexOptions

  @Flag(help: "Discard the existing index and build it again from PATHs.")
  var rebuild = false

  @Option(help: "Threads that read and analyze files (default: one per core). The index is the same for any number.")
  var jobs: Int?

  @Flag(help: "Print nothing but errors: no progress bar, no summary line.")
  var quiet = false

  @Option(name: .customLong("ram-mb"), help: "Memory for the writer, in MiB: the file lists, then the segment being built, written out when it fills the rest.")
  var ramMB = 256

  func validate() throws {
    if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    if ramMB < 1 { throw ValidationError("--ram-mb must be at least 1") }
  }

  func run() throws {
    let writer = try IndexWriter(directory: indexOptions.directory, workers: jobs, ramBudgetMB: ramMB)
    if let pid = writer.takenOverFrom {
      printError("the previous writer (PID \(pid)) died holding the lock; taking it over (its unfinished work is discarded)")
    }
    let bar = quiet ? nil : ProgressBar()
    let summary = try writer.update(roots: paths, rebuild: rebuild, progress: bar.map { bar in { bar.show($0) } })
    bar?.finish()
    for warning in summary.warnings { printError("warning: \(warning.path): \(warning.message)") }
    for skipped in summary.skipped where !IndexCommand.quietSkipReasons.contains(where: skipped.reason.hasPrefix) {
      printError("skipped \(skipped.path): \(skipped.reason)")
    }
    if !quiet {
      Output.write(IndexCommand.summaryLine(summary) + "\n")
      Output.flush()
    }
  }

  /// Skips that are expected in any tree and only counted, not listed.
  static let quietSkipReasons = ["binary file", "unsupported file type"]

  static func summaryLine(_ summary: IndexWriter.Summary) -> String {
    let megabytes = Double(summary.bytesRead) / 1_048_576
    return "indexed \(summary.files) files (\(summary.added) new, \(summary.changed) changed, "
      + "\(summary.deleted) deleted, \(summary.unchanged) unchanged), \(summary.passages) passages, "
      + "\(summary.skipped.count) skipped, \(Output.decimal(megabytes, 2)) MB read in \(Output.decimal(summary.seconds, 2)) s"
      + (summary.committed ? "" : " (index unchanged)")
  }
}
