import AISearch
import Foundation
import TestSupport
import XCTest

final class IndexCLITests: XCTestCase {
  /// Summary line up to the timing, which varies.
  private func summaryPrefix(_ stdout: String) -> String {
    String(stdout.prefix { $0 != "\n" }.split(separator: " MB read")[0])
  }

  func testIndexSummaryAndIncrementalRuns() throws {
    let workspace = try Workspace()
    try workspace.write("docs/a.txt", "alpha 芯片\n")
    try workspace.write("docs/b.md", "# Beta\n\nbeta text\n")
    try workspace.write("docs/picture.png", "png\n")
    try workspace.write("docs/blob", Data([0x00, 0x01, 0x02, 0x03]))
    let first = try workspace.run("index", "docs", "--index", "idx")
    XCTAssertEqual(first.status, 0, first.stderr)
    XCTAssertEqual(
      summaryPrefix(first.stdout),
      "indexed 2 files (2 new, 0 changed, 0 deleted, 0 unchanged), 2 passages, 2 skipped, 0.00")
    XCTAssertEqual(first.stderr, "")

    let again = try workspace.run("index", "docs", "--index", "idx")
    XCTAssertEqual(
      summaryPrefix(again.stdout),
      "indexed 2 files (0 new, 0 changed, 0 deleted, 2 unchanged), 2 passages, 2 skipped, 0.00")
    XCTAssertTrue(again.stdout.hasSuffix(" s (index unchanged)\n"), again.stdout)

    try workspace.write("docs/a.txt", "alpha 芯片 changed and longer\n")
    try FileManager.default.removeItem(atPath: workspace.path + "/docs/b.md")
    try workspace.write("docs/sub/c.txt", "gamma\n")
    let third = try workspace.run("index", "docs", "--index", "idx")
    XCTAssertEqual(
      summaryPrefix(third.stdout),
      "indexed 2 files (1 new, 1 changed, 1 deleted, 0 unchanged), 2 passages, 2 skipped, 0.00")
    XCTAssertEqual(try workspace.run("beta", "--index", "idx").status, 1)
    // N = 2 passages of 7 body tokens (alpha 芯 片 芯片 changed and longer) and 1 (avgdl 4);
    // idf(gamma) = ln 2; BM25F with no title match: t = 1 / (0.25 + 0.75 · 1/4) = 2.285714,
    // score = 0.693147 · t / (1.2 + t) = 0.454523.
    let gamma = try workspace.run("gamma", "--index", "idx")
    XCTAssertEqual(gamma.stdout, "1. docs/sub/c.txt:1-1  (score 0.45)\n   gamma\n")
  }

  /// A write that fails (here: past a file-size limit, as on a full disk) ends the run with
  /// one line and exit 3, leaves the last commit searchable and sound, and removes the
  /// segment files the run had written; files a killed writer left are removed by the next
  /// run.
  func testAFailedWriteLeavesTheLastCommitAndNoDebris() throws {
    let workspace = try Workspace()
    try workspace.write("docs/a.txt", "昇腾 910C 量产\n")
    XCTAssertEqual(try workspace.run("index", "docs", "--index", "idx").status, 0)
    func segmentFiles() throws -> [String] {
      try FileManager.default.contentsOfDirectory(atPath: workspace.path + "/idx").filter { $0.hasPrefix("s") }.sorted()
    }
    let committed = try segmentFiles()
    XCTAssertEqual(committed, ["s1.lengths", "s1.passages", "s1.postings", "s1.terms"])
    // 400 KB of new text; files may not grow past 64 KB (SIGXFSZ ignored, so that write
    // fails with EFBIG instead of killing the process).
    for f in 0..<20 {
      try workspace.write("docs/big\(f).txt", (0..<400).map { "第\($0)行 训练成本 \(f) token\($0 * 7 + f)" }.joined(separator: "\n"))
    }
    let limited = Process()
    limited.executableURL = URL(fileURLWithPath: "/bin/sh")
    limited.arguments = ["-c", "trap '' XFSZ; ulimit -f 128; exec \"$0\" index docs --index idx --quiet", aisearchBinary]
    limited.currentDirectoryURL = URL(fileURLWithPath: workspace.path)
    let err = Pipe()
    limited.standardError = err
    try limited.run()
    let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    limited.waitUntilExit()
    XCTAssertEqual(limited.terminationStatus, 3, message)
    XCTAssertTrue(message.hasPrefix("aisearch: cannot write "), message)
    XCTAssertTrue(message.hasSuffix(": File too large\n"), message)
    XCTAssertEqual(message.filter { $0 == "\n" }.count, 1, message)
    XCTAssertEqual(try segmentFiles(), committed)
    XCTAssertEqual(try workspace.run("check", "--index", "idx").status, 0)
    XCTAssertEqual(try workspace.run("昇腾", "--index", "idx", "-k", "1").status, 0)
    // Debris of a writer that died: removed by the next run, which then commits.
    try workspace.write("idx/s9.postings", "left by a killed writer")
    try workspace.write("idx/s9_1.terms", "left by a killed writer")
    let next = try workspace.run("index", "docs", "--index", "idx", "--quiet")
    XCTAssertEqual(next.status, 0, next.stderr)
    XCTAssertFalse(try segmentFiles().contains { $0.hasPrefix("s9") })
    XCTAssertEqual(try workspace.run("训练成本", "--index", "idx", "-k", "1").status, 0)
  }

  func testMissingPathIsAnInputError() throws {
    let workspace = try Workspace()
    let result = try workspace.run("index", "missing", "--index", "idx")
    XCTAssertEqual(result.status, 2)
    XCTAssertEqual(result.stderr, "aisearch: no such file or directory: missing\n")
    XCTAssertFalse(FileManager.default.fileExists(atPath: workspace.path + "/idx/MANIFEST"))
  }

  func testInvalidUTF8IsReportedNotFatal() throws {
    let workspace = try Workspace()
    try workspace.write("docs/bad.txt", Data([0x61, 0x62, 0x63, 0xFF, 0xFE, 0x20, 0x64, 0x65, 0x66, 0x0A]))
    let result = try workspace.run("index", "docs", "--index", "idx")
    XCTAssertEqual(result.status, 0)
    XCTAssertEqual(result.stderr, "aisearch: warning: docs/bad.txt: invalid UTF-8 bytes replaced with U+FFFD\n")
    XCTAssertEqual(try workspace.run("def", "--index", "idx").status, 0)
  }

  /// Empty files are documents without passages; a segment may hold more of them than
  /// passages. Three of them before a text made the passages file unreadable ("tables run
  /// past the start"), as the reader took more documents than passages + 1 for damage.
  func testEmptyFilesBeforeATextKeepTheIndexReadable() throws {
    let workspace = try Workspace()
    for name in ["a1", "a2", "a3"] { try workspace.write("docs/\(name).txt", "") }
    try workspace.write("docs/b.txt", "hello 昇腾\n")
    let index = try workspace.run("index", "docs", "--index", "idx")
    XCTAssertEqual(index.status, 0, index.stderr)
    XCTAssertTrue(index.stdout.hasPrefix("indexed 4 files (4 new, 0 changed, 0 deleted, 0 unchanged), 1 passages"), index.stdout)
    let search = try workspace.run("昇腾", "--index", "idx", "--format", "jsonl")
    XCTAssertEqual(search.status, 0, search.stderr)
    XCTAssertEqual(search.stdout.split(separator: "\n").count, 1)
    XCTAssertTrue(search.stdout.contains("\"path\":\"docs/b.txt\",\"line_start\":1,\"line_end\":1"), search.stdout)
    XCTAssertEqual(try workspace.run("check", "--index", "idx").status, 0)
  }

  func testConcurrentIndexIsRefusedWithThePID() throws {
    let workspace = try Workspace()
    try workspace.write("docs/a.txt", "alpha\n")
    let holder = try IndexWriter(directory: workspace.path + "/idx")
    let result = try workspace.run("index", "docs", "--index", "idx")
    XCTAssertEqual(result.status, 3)
    XCTAssertEqual(
      result.stderr,
      "aisearch: index idx is locked by PID \(getpid()) (another `aisearch index` is running); wait for it to finish\n")
    _ = holder
  }

  func testNoIndexAndNoSeeds() throws {
    let workspace = try Workspace()
    let result = try workspace.run("anything")
    XCTAssertEqual(result.status, 3)
    XCTAssertEqual(result.stderr, "aisearch: no index in index; build one with `aisearch index PATH... --index index`\n")
  }
}

final class CheckCLITests: XCTestCase {
  func testCheckAndStats() throws {
    let workspace = try Workspace()
    try workspace.write("docs/a.txt", "alpha 芯片\n")
    try workspace.write("docs/b.md", "# Beta\n\nbeta text\n")
    XCTAssertEqual(try workspace.run("index", "docs", "--index", "idx").status, 0)
    let check = try workspace.run("check", "--index", "idx")
    XCTAssertEqual(check.status, 0)
    XCTAssertTrue(check.stdout.hasPrefix("ok: 2 files, 2 passages, "), check.stdout)
    XCTAssertTrue(check.stdout.hasSuffix(" terms in 1 segments\n"), check.stdout)
    let stats = try workspace.run("stats", "--index", "idx")
    XCTAssertEqual(stats.status, 0)
    let lines = stats.stdout.split(separator: "\n").map(String.init)
    XCTAssertEqual(Array(lines.prefix(2)), ["index      idx (commit 1)", "documents  2"])
    XCTAssertEqual(lines[2], "passages   2 (0 deleted, not yet merged away)")
    XCTAssertEqual(lines.filter { $0.hasPrefix("bytes") }.count, 6)

    let path = workspace.path + "/idx/s1.passages"
    var data = try Data(contentsOf: URL(fileURLWithPath: path))
    data[data.count - 12] ^= 0x10
    try data.write(to: URL(fileURLWithPath: path))
    let broken = try workspace.run("check", "--index", "idx")
    XCTAssertEqual(broken.status, 3)
    XCTAssertEqual(
      broken.stderr,
      "aisearch: index file idx/s1.passages is corrupt (checksum mismatch); rebuild it with `aisearch index --rebuild PATH...`\n")
  }
}

final class QuietIndexCLITests: XCTestCase {
  func testQuietPrintsNothing() throws {
    let workspace = try Workspace()
    try workspace.write("docs/a.txt", "alpha\n")
    let result = try workspace.run("index", "docs", "--index", "idx", "--quiet")
    XCTAssertEqual(result.status, 0)
    XCTAssertEqual(result.stdout, "")
    XCTAssertEqual(result.stderr, "")
    XCTAssertEqual(try workspace.run("alpha", "--index", "idx").status, 0)
  }
}
