import Foundation
import TestSupport
import XCTest

@testable import AISearch

final class CheckerTests: XCTestCase {
  /// Kept for the test's duration: the directory is removed when it is released.
  private var directories: [TemporaryDirectory] = []

  // XCTest keeps every test case instance until the run ends, so the directories are
  // released here, not with the instance.
  override func tearDown() {
    directories.removeAll()
    super.tearDown()
  }

  private func makeIndex() throws -> (TemporaryDirectory, String) {
    let corpus = try TemporaryDirectory()
    directories.append(corpus)
    try corpus.write("c/a.md", "# 芯片\n\n华为昇腾 910B 芯片量产。\n")
    try corpus.write("c/b.txt", "Nothing about chips here, only 芯片 alone.\n")
    let index = corpus.path + "/index"
    _ = try IndexWriter(directory: index).update(roots: [corpus.path + "/c"])
    return (corpus, index)
  }

  /// The first segment's body lengths, title lengths, copy signatures and list shares.
  private func lengthsTables(_ index: String) throws -> PassageTables {
    let segment = try IndexReader(directory: index).segments[0]
    var tables = PassageTables()
    for p in 0..<segment.passageCount {
      tables.append(
        body: segment.lengths[p], title: segment.lengths.title(p), signature: segment.lengths.signature(p),
        listShare: segment.lengths.listShare(p))
    }
    return tables
  }

  /// Rewrites the first segment's lengths file (with a valid checksum) from `tables` and
  /// expects the checker to name `file` and say `problem`.
  private func assertRejected(
    _ index: String, _ tables: PassageTables, file: String,
    problem: String,
    line: UInt = #line
  ) throws {
    try FileSystem.writeFile(index + "/s1.lengths", PassageLengths.serialize(tables))
    XCTAssertThrowsError(try Checker.check(directory: index), line: line) { error in
      let error = error as? AISearchError
      XCTAssertEqual(error?.path, index + "/" + file, line: line)
      XCTAssertTrue(error?.message.contains(problem) ?? false, error?.message ?? "", line: line)
    }
  }

  func testSoundIndexPasses() throws {
    let (corpus, index) = try makeIndex()
    let report = try Checker.check(directory: index)
    XCTAssertEqual([report.files, report.passages, report.segments], [2, 2, 1])
    try corpus.write("c/b.txt", "changed\n")
    _ = try IndexWriter(directory: index).update(roots: [corpus.path + "/c"])
    let second = try Checker.check(directory: index)
    XCTAssertEqual([second.files, second.passages, second.segments], [2, 2, 2])
  }

  func testEveryFileKindsChecksumIsVerified() throws {
    for kind in ["terms", "postings", "lengths", "passages"] {
      let (_, index) = try makeIndex()
      let path = index + "/s1." + kind
      // Past the 16 MiB eager limit readers skip the checksum; the checker never does.
      try flipByte(in: path, at: 0.6)
      XCTAssertThrowsError(try Checker.check(directory: index), kind) { error in
        XCTAssertEqual((error as? AISearchError)?.code, .corrupt, kind)
        XCTAssertEqual((error as? AISearchError)?.path, path, kind)
      }
    }
  }

  /// A lengths file with a valid checksum that disagrees with the postings.
  func testLengthsThatDisagreeWithThePostingsAreFound() throws {
    let (_, index) = try makeIndex()
    var tables = try lengthsTables(index)
    tables.body[0] += 1
    try assertRejected(index, tables, file: "s1.lengths", problem: "passage 0 has lengths")
  }

  /// Copy signatures are recomputed from the postings: the second passage given the
  /// first one's (different) signature is found.
  func testCopySignaturesThatDisagreeWithTheTermsAreFound() throws {
    let (_, index) = try makeIndex()
    var tables = try lengthsTables(index)
    XCTAssertNotEqual(tables.signatures[0], tables.signatures[1])
    tables.signatures[1] = tables.signatures[0]
    try assertRejected(index, tables, file: "s1.lengths", problem: "passage 1 has copy signature")
  }

  /// List shares are recomputed from each document's stored passages (both documents here
  /// are too short to be list pages: 0).
  func testListSharesThatDisagreeWithTheTextAreFound() throws {
    let (_, index) = try makeIndex()
    var tables = try lengthsTables(index)
    XCTAssertEqual(tables.listShares, [0, 0])
    tables.listShares[1] = 200
    try assertRejected(index, tables, file: "s1.lengths", problem: "passage 1 has list share 200, its document's passages give 0")
  }

  /// Block bounds are checked against the passages they bound: with every length one
  /// longer than the postings' skip entries were computed from, the first block disagrees.
  func testBlockBoundsThatDisagreeWithThePassagesAreFound() throws {
    let corpus = try TemporaryDirectory()
    directories.append(corpus)
    for i in 0..<(Postings.blockSize + 2) { try corpus.write("c/f\(i).txt", "chips number \(i) here\n") }
    let index = corpus.path + "/index"
    _ = try IndexWriter(directory: index).update(roots: [corpus.path + "/c"])
    XCTAssertNoThrow(try Checker.check(directory: index))
    var tables = try lengthsTables(index)
    tables.body = tables.body.map { $0 + 1 }
    try assertRejected(index, tables, file: "s1.postings", problem: "block 0 of term")
  }

  func testStatistics() throws {
    let (_, index) = try makeIndex()
    let statistics = try IndexStatistics.collect(directory: index)
    XCTAssertEqual(statistics.files, 2)
    XCTAssertEqual(statistics.passages, 2)
    XCTAssertEqual(statistics.segments, 1)
    XCTAssertEqual(statistics.bytes.map(\.kind), ["manifest", "terms", "postings", "lengths", "passages"])
    for (kind, bytes) in statistics.bytes {
      let name = kind == "manifest" ? "MANIFEST" : "s1." + kind
      let size = try FileManager.default.attributesOfItem(atPath: index + "/" + name)[.size] as? UInt64
      XCTAssertEqual(bytes, size, kind)
    }
  }
}
