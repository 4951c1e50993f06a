import TestSupport
import XCTest

@testable import AISearch

/// Copies are cited under their hit only when written in its script: a zh_TW passage and
/// its zh_CN twin are two hits (`Copies.sketch`).
final class CopyScriptTests: XCTestCase {
  private static let simplified = "把输入行按随机顺序输出到标准输出，不带文件或者文件为“-”时读取标准输入。"
  private static let traditional = "把輸入行按隨機順序輸出到標準輸出，不帶檔案或者檔案為“-”時讀取標準輸入。"

  func testTraditionalIsToldFromSimplified() throws {
    let folding = try HanFolding.fromICU()
    XCTAssertTrue(Copies.sketch(CopyScriptTests.traditional, folding: folding).traditional)
    XCTAssertFalse(Copies.sketch(CopyScriptTests.simplified, folding: folding).traditional)
    XCTAssertFalse(Copies.sketch("shuf - generate random permutations", folding: folding).traditional)
    // One folded character is not enough, nor two among more than forty Han characters.
    XCTAssertFalse(Copies.sketch("这是一個例子", folding: folding).traditional)
    XCTAssertTrue(Copies.sketch("這是一個例子", folding: folding).traditional)
    XCTAssertFalse(
      Copies.sketch(String(repeating: "这是中文", count: 10) + "這個", folding: folding).traditional)
    // Extension A (three-byte UTF-8 from U+3400) counts as Han; emoji and kana do not.
    XCTAssertTrue(Copies.sketch("㑯這個🙂かな", folding: folding).traditional)
    XCTAssertFalse(Copies.sketch(".folding", folding: .identity).traditional)
  }

  func testTwinsInTwoScriptsAreTwoHitsAndCopiesAreCited() throws {
    let corpus = try TemporaryDirectory()
    let filler = (0..<30).map { "w\($0)" }.joined(separator: " ")
    try corpus.write("c/zh_CN/shuf.txt", CopyScriptTests.simplified + " " + filler + "\n")
    try corpus.write("c/mirror/zh_CN/shuf.txt", CopyScriptTests.simplified + " " + filler + "\n")
    try corpus.write("c/zh_TW/shuf.txt", CopyScriptTests.traditional + " " + filler + "\n")
    try corpus.write("c/mirror/zh_TW/shuf.txt", CopyScriptTests.traditional + " " + filler + " extra\n")
    let directory = corpus.path + "/idx"
    _ = try IndexWriter(directory: directory, workers: 1, ramBudgetMB: 16).update(roots: [corpus.path + "/c"])
    let searcher = try Searcher(index: try IndexReader(directory: directory))
    for threads in [1, 2] {
      searcher.threadCount = threads
      let result = try searcher.search("随机 顺序 输出", k: 10)
      XCTAssertEqual(result.hits.count, 2, "threads \(threads)")
      let scripts = result.hits.map { $0.text.hasPrefix("把輸入") ? "TW" : "CN" }
      XCTAssertEqual(Set(scripts), ["CN", "TW"], "threads \(threads)")
      for hit in result.hits {
        let directory = hit.path.contains("zh_TW") ? "zh_TW" : "zh_CN"
        XCTAssertEqual(hit.duplicates.count, 1, "threads \(threads)")
        XCTAssertTrue(hit.duplicates.allSatisfy { $0.path.contains(directory) }, "threads \(threads)")
      }
    }
  }
}
