import AISearch
import Foundation
import TestSupport
import XCTest

/// `aisearch index` killed with SIGKILL at random moments never leaves a broken or
/// half-visible index (SQLite's fts5fault*.test in spirit).
final class CrashSafetyTests: XCTestCase {
  /// Writes every file of the corpus stamped with generation `generation`: each passage
  /// holds the word genN, so the generation an index shows is countable.
  private func writeCorpus(_ workspace: Workspace, generation: Int, files: Int) throws {
    var random = SystemRandomNumberGenerator()
    let vocabulary = (0..<400).map { "w\($0)" }
    for f in 0..<files {
      var text = ""
      for paragraph in 0..<3 {
        let words = (0..<40).map { _ in vocabulary.randomElement(using: &random)! }.joined(separator: " ")
        text += "gen\(generation) file\(f) paragraph\(paragraph) 芯片\(f) " + words + "\n\n"
      }
      try workspace.write("corpus/f\(f).txt", text)
    }
  }

  /// Passages holding each of gen1 … genN, from one batch run.
  private func generationCounts(_ workspace: Workspace, upTo last: Int) throws -> [Int: Int] {
    try workspace.write("generations.txt", (1...last).map { "gen\($0)" }.joined(separator: "\n") + "\n")
    let result = try workspace.run("search", "--batch", "generations.txt", "--index", "idx", "-k", "1000")
    XCTAssertTrue(result.status == 0 || result.status == 1, result.stderr)
    var counts: [Int: Int] = [:]
    for hit in try jsonLines(result.stdout) {
      counts[try XCTUnwrap(hit["query_id"] as? Int), default: 0] += 1
    }
    return counts
  }

  private func startIndexer(_ workspace: Workspace) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: aisearchBinary)
    process.arguments = ["index", "corpus", "--index", "idx"]
    process.currentDirectoryURL = URL(fileURLWithPath: workspace.path)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }

  func testKilledIndexerLeavesTheLastCommit() throws {
    let workspace = try Workspace()
    let files = 80
    // An unkilled run of generation 1 gives the first commit and the time a run takes.
    try writeCorpus(workspace, generation: 1, files: files)
    let started = Date()
    let first = try startIndexer(workspace)
    first.waitUntilExit()
    let duration = Date().timeIntervalSince(started)
    XCTAssertEqual(first.terminationStatus, 0)
    var kills = 0
    var committed = 1
    var last = 1
    // The kill moment is drawn from a window that shrinks whenever a run beats it, so a
    // machine faster or slower than the first run suggested still gets 20 mid-way kills
    // (a run that finished first counts as a plain commit).
    var window = 0.7 * duration
    for generation in 2...100 where kills < 20 {
      last = generation
      try writeCorpus(workspace, generation: generation, files: files)
      let process = try startIndexer(workspace)
      usleep(UInt32(Double.random(in: 0..<window) * 1_000_000))
      if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        kills += 1
      } else {
        window *= 0.7
      }
      process.waitUntilExit()
      let check = try workspace.run("check", "--index", "idx")
      XCTAssertEqual(check.status, 0, "generation \(generation): \(check.stderr)")
      // Exactly one generation is visible, in every passage of every file.
      let counts = try generationCounts(workspace, upTo: generation)
      XCTAssertEqual(counts.count, 1, "generation \(generation): visible \(counts)")
      if let (shown, passages) = counts.first {
        XCTAssertEqual(passages, 3 * files, "generation \(generation)")
        XCTAssertGreaterThanOrEqual(shown, committed, "the index went back in time")
        committed = shown
      }
    }
    XCTAssertGreaterThanOrEqual(kills, 20, "too few runs were killed mid-way to test anything")
    // A killed writer's lock is taken over, and the index is brought up to date.
    let final = try workspace.run("index", "corpus", "--index", "idx")
    XCTAssertEqual(final.status, 0, final.stderr)
    XCTAssertEqual(try generationCounts(workspace, upTo: last)[last], 3 * files)
    XCTAssertEqual(try workspace.run("check", "--index", "idx").status, 0)
  }

  func testStaleLockIsTakenOverWithAMessage() throws {
    let workspace = try Workspace()
    try workspace.write("docs/a.txt", "alpha\n")
    try workspace.write("idx/LOCK", "999999\n")  // a PID that held the lock and died
    let result = try workspace.run("index", "docs", "--index", "idx")
    XCTAssertEqual(result.status, 0)
    XCTAssertEqual(
      result.stderr,
      "aisearch: the previous writer (PID 999999) died holding the lock; taking it over (its unfinished work is discarded)\n")
    let again = try workspace.run("index", "docs", "--index", "idx")
    XCTAssertEqual(again.stderr, "")
  }
}
