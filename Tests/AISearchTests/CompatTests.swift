import Foundation
import XCTest

@testable import AISearch

/// Opens the frozen index of the current format version (Tests/AISearchTests/Fixtures/
/// index_vN, made by scripts/make-fixture.sh from Fixtures/corpus). A change to the format
/// without a version bump, or a bump without a new fixture, fails here.
final class CompatTests: XCTestCase {
  private var fixture: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/index_v\(FileFormat.version)").path
  }

  func testFixtureOfTheCurrentVersionExistsAndChecks() throws {
    XCTAssertTrue(
      FileManager.default.fileExists(atPath: fixture + "/MANIFEST"),
      "no fixture for format version \(FileFormat.version): run scripts/make-fixture.sh")
    let report = try Checker.check(directory: fixture)
    XCTAssertEqual([report.files, report.passages, report.segments], [2, 2, 1])
  }

  func testFixtureAnswersAsWhenItWasMade() throws {
    let searcher = try Searcher(index: IndexReader(directory: fixture))
    let ascend = try XCTUnwrap(try searcher.search("昇腾 910B", k: 10).hits.first)
    XCTAssertEqual(ascend.path, "corpus/brief.md")
    XCTAssertEqual([ascend.lineStart, ascend.lineEnd], [7, 13])
    XCTAssertEqual(ascend.title, "芯片简报")
    XCTAssertEqual(ascend.url, "https://example.com/brief")
    XCTAssertEqual(ascend.date, "2025-09-26")
    XCTAssertEqual(JSON.number(ascend.score), "1.1864")
    XCTAssertEqual(ascend.highlights, [2..<4, 7..<9, 10..<14])
    // The Traditional line of envy.txt answers a Simplified query through the stored folding.
    let envy = try XCTUnwrap(try searcher.search("矽谷 羡慕", k: 10).hits.first)
    XCTAssertEqual(envy.path, "corpus/envy.txt")
    XCTAssertEqual(envy.highlights, [41..<43, 50..<52])  // 矽谷 and 羨慕 as written
  }
}
