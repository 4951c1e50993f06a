import AISearch
import ArgumentParser

/// `aisearch check`: verify every checksum and cross-file invariant of the index.
struct CheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Verify the index: checksums of every file and the invariants between them.",
    discussion: "Prints one line and exits 0 when the index is sound; reports the first problem, naming the file, and exits 3 otherwise.")

  @OptionGroup var indexOptions: IndexOptions

  func run() throws {
    let report = try Checker.check(directory: indexOptions.directory)
    Output.write(
      "ok: \(report.files) files, \(report.passages) passages, \(report.terms) terms in \(report.segments) segments\n")
    Output.flush()
  }
}
