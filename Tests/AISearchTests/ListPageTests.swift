import Foundation
import TestSupport
import XCTest

@testable import AISearch

final class ListPageTests: XCTestCase {
  /// The share of one passage's lines, however few.
  private func share(_ lines: [String]) -> UInt8 {
    ListShare.of([Passage(text: lines.joined(separator: "\n"), lineStart: 1, lineEnd: lines.count)], minimumLines: 1)
  }

  func testShareCountsScalarsInListLines() {
    // The example in ListShare.swift: 2 list scalars of 17.
    XCTAssertEqual(share(["目录", "冻结行或列可以让表头一直可见。"]), 30)
    XCTAssertEqual(share(["目录", "索引", "模块"]), 255)
    XCTAssertEqual(share(["冻结行或列可以让表头一直可见。"]), 0)
    XCTAssertEqual(share([]), 0)
    // 19 Han characters take 38 columns: a list line; 20 take 40: text, even without an end.
    XCTAssertEqual(share([String(repeating: "冻", count: 19)]), 255)
    XCTAssertEqual(share([String(repeating: "冻", count: 20)]), 0)
    // Sentence and clause ends, half- and full-width; white space around a line is not
    // counted, and blank lines are passed over.
    XCTAssertEqual(share(["View - Freeze Rows and Columns", "Choose View - Freeze Rows and Columns."]), 113)
    XCTAssertEqual(share(["  冻结行或列，  ", "", "快捷键 (辅助功能)", "作为表头：", "行"]), 12)
  }

  func testSentenceEndsAreComparedAsUTF8() {
    func ends(_ line: String) -> Bool {
      var line = line
      return line.withUTF8 { ListShare.endsSentence($0) }
    }
    for end in ["。", "！", "？", ".", "!", "?", "；", ";", "：", ":", "，", ",", "）", ")"] {
      XCTAssertTrue(ends("文字" + end), end)
      XCTAssertTrue(ends(end), end)
    }
    for other in ["、", "」", "…", "a", "字", "－", "〕", "ｂ", "😀"] {
      XCTAssertFalse(ends("文字" + other), other)
      XCTAssertFalse(ends(other), other)
    }
  }

  /// The share computed line by line, as the rule reads: each line trimmed of ASCII white
  /// space, its scalars and columns counted, its end compared.
  private func referenceShare(_ passages: [Passage], minimumLines: Int) -> UInt8 {
    var total = 0
    var listed = 0
    var lines = 0
    for passage in passages {
      // Split on the byte: "\r\n" is one Character, which a split of the String keeps whole.
      for line in passage.text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
        var bytes = Array(line)
        while let first = bytes.first, first == 0x20 || first == 0x09 || first == 0x0D { bytes.removeFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 || last == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty else { continue }
        let leads = bytes.filter { $0 & 0xC0 != 0x80 }
        let width = leads.reduce(0) { $0 + ($1 >= 0xE3 ? 2 : 1) }
        lines += 1
        total += leads.count
        if width < ListShare.listLineWidth && !bytes.withUnsafeBufferPointer({ ListShare.endsSentence($0) }) {
          listed += leads.count
        }
      }
    }
    guard total > 0, lines >= minimumLines else { return 0 }
    return UInt8((255 * listed + total / 2) / total)
  }

  func testOnePassShareEqualsLineByLine() {
    // Random documents of pieces that each test a branch: white space inside and around
    // lines, carriage returns, CJK and full-width ends, long and short lines.
    let pieces = [
      "目录", "冻结行或列", "。", "，", "！", "）", "：", "a", "View", " - ", "Freeze", ".", ":", ")", " ", "  ", "\t", "\r",
      "\n", "\n\n", "ｂ", "😀", "é", "—", "…", "　", "ー", "ɐ", "1.", "、", String(repeating: "冻", count: 19), String(repeating: "x", count: 39),
    ]
    var generator = PruningTests.SplitMix(state: 12)  // seeded, so a failure replays
    for round in 0..<2000 {
      let passageCount = Int.random(in: 1...4, using: &generator)
      let passages = (0..<passageCount).map { _ -> Passage in
        let text = (0..<Int.random(in: 0...40, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
        return Passage(text: text, lineStart: 1, lineEnd: 1)
      }
      let minimumLines = round % 3
      XCTAssertEqual(
        ListShare.of(passages, minimumLines: minimumLines), referenceShare(passages, minimumLines: minimumLines),
        "\(passages.map(\.text))")
    }
  }

  /// Scalars and wide scalars counted eight bytes at a time equal Swift's decoding, for
  /// texts of every UTF-8 length around the lead bytes E2 and E3 (U+2FFF, U+3000), whole
  /// and line by line.
  func testScalarCountsEqualDecoding() {
    let pieces = ["a", "é", "\u{2FFF}", "\u{3000}", "冻", "ｂ", "😀", "\u{7F}", "\u{80}", "\u{FFFF}", "\u{10FFFF}", "—"]
    var generator = PruningTests.SplitMix(state: 7)
    for _ in 0..<1000 {
      let text = (0..<Int.random(in: 0...30, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
      let (scalars, wide) = Array(text.utf8).withUnsafeBytes { UTF8Scalars.count($0) }
      XCTAssertEqual(scalars, text.unicodeScalars.count, text)
      XCTAssertEqual(wide, text.unicodeScalars.filter { $0.value >= 0x3000 }.count, text)
      // Line by line, with line feeds anywhere in the eight-byte words.
      let lined = text.replacingOccurrences(of: "a", with: "\n")
      let bytes = Array(lined.utf8)
      var start = 0
      for line in lined.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
        let line = Substring(line)
        let counted = bytes.withUnsafeBytes { UTF8Scalars.countLine($0, from: start) }
        XCTAssertEqual(counted.end, start + line.utf8.count, lined)
        XCTAssertEqual(counted.scalars, line.unicodeScalars.count, lined)
        XCTAssertEqual(counted.wide, line.unicodeScalars.filter { $0.value >= 0x3000 }.count, lined)
        start += line.utf8.count + 1
      }
    }
  }

  func testShareIsTheWholeDocuments() {
    let passages = [
      Passage(text: "目录\n索引", lineStart: 1, lineEnd: 2),
      Passage(text: "冻结行或列可以让表头一直可见。", lineStart: 4, lineEnd: 4),
    ]
    // 4 list scalars of 19.
    XCTAssertEqual(ListShare.of(passages, minimumLines: 3), 54)
    // Fewer lines than the minimum: no list page, whatever the lines are.
    XCTAssertEqual(ListShare.of(passages, minimumLines: 4), 0)
    XCTAssertEqual(ListShare.of([Passage(text: Array(repeating: "目录", count: 9).joined(separator: "\n"), lineStart: 1, lineEnd: 9)]), 0)
    XCTAssertEqual(ListShare.of([Passage(text: Array(repeating: "目录", count: 10).joined(separator: "\n"), lineStart: 1, lineEnd: 10)]), 255)
  }

  func testPriorLowersOnlyPagesMostlyOfLists() {
    let prior = ListPagePrior()
    XCTAssertEqual(prior.factor(0), 1)
    XCTAssertEqual(prior.factor(127), 1)
    XCTAssertEqual(prior.factor(255), 0.5, accuracy: 1e-12)
    XCTAssertEqual(prior.factor(191), 1 - 0.5 * (191.0 / 255 - 0.5) / 0.5, accuracy: 1e-12)
    XCTAssertEqual(prior.table.count, 256)
    XCTAssertEqual(prior.table[255], prior.factor(255))
    // The table follows the parameters.
    var changed = prior
    changed.weight = 0.2
    XCTAssertEqual(changed.table[255], 0.8, accuracy: 1e-12)
    changed.threshold = 0.75
    XCTAssertEqual(changed.table[255], 0.8, accuracy: 1e-12)
    XCTAssertEqual(changed.table[191], 1)
    XCTAssertEqual(changed.table.indices.map { changed.factor(UInt8($0)) }, changed.table)
  }

  /// A contents page holding every query word in its link lines, against the page that
  /// answers in sentences: BM25 and coverage alone put the shorter contents page first.
  func testContentsPageRanksBelowTheAnswer() throws {
    let corpus = try TemporaryDirectory()
    try corpus.write(
      "c/contents.txt",
      ["使用说明", "模块", "目录", "格式化单元格", "冻结行或列", "作为表头", "插入批注", "旋转表格", "自定义函数", "打印区域"]
        .joined(separator: "\n\n") + "\n")
    try corpus.write(
      "c/answer.txt",
      "如果工作表的数据很长，超出了可见范围，那么您可以选择一些行或列并将其冻结，这样滚动工作表时始终能看到它们。\n"
        + "这种情况下，上面的行会一直显示在窗口的顶端，不随内容滚动，就像表头一样，打印时也可以在每一页重复。\n")
    let index = corpus.path + "/index"
    _ = try IndexWriter(directory: index).update(roots: [corpus.path + "/c"])
    let searcher = try Searcher(index: IndexReader(directory: index))

    let ranked = try searcher.search("冻结 表头", k: 2, explain: true).hits
    XCTAssertEqual(ranked.map { ($0.path as NSString).lastPathComponent }, ["answer.txt", "contents.txt"])
    XCTAssertEqual(ranked[0].explanation?.listPage, 1)
    XCTAssertEqual(ranked[1].explanation?.listPage ?? 0, 0.5, accuracy: 1e-12)

    searcher.listPagePrior.weight = 0
    let unweighted = try searcher.search("冻结 表头", k: 2).hits
    XCTAssertEqual(unweighted.map { ($0.path as NSString).lastPathComponent }, ["contents.txt", "answer.txt"])
  }

  /// Merged segments keep each passage's list share.
  func testMergeKeepsListShares() throws {
    let corpus = try TemporaryDirectory()
    let index = corpus.path + "/index"
    let writer = try IndexWriter(directory: index)
    try corpus.write("c/a.txt", Array(repeating: "目录\n\n索引", count: 5).joined(separator: "\n\n") + "\n")
    _ = try writer.update(roots: [corpus.path + "/c"])
    try corpus.write("c/b.txt", "冻结行或列可以让表头一直可见。\n\n" + Array(repeating: "目录", count: 9).joined(separator: "\n\n") + "\n")
    _ = try writer.update(roots: [corpus.path + "/c"])
    func shares() throws -> [String: [UInt8]] {
      var byPath: [String: [UInt8]] = [:]
      for segment in try IndexReader(directory: index).segments {
        for doc in 0..<segment.passageCount {
          let path = try segment.store.document(segment.store.passage(doc).document).path
          byPath[(path as NSString).lastPathComponent, default: []].append(segment.lengths.listShare(doc))
        }
      }
      return byPath
    }
    let before = try shares()
    XCTAssertEqual(Set(try XCTUnwrap(before["a.txt"])), [255])
    // 18 list scalars of 33.
    XCTAssertEqual(Set(try XCTUnwrap(before["b.txt"])), [139])
    let manifest = try XCTUnwrap(try Manifest.read(directory: index))
    XCTAssertEqual(manifest.segments.count, 2)
    let merged = try Merger.merge(manifest, segments: [0, 1], directory: index, name: "full")
    try merged.write(directory: index)
    XCTAssertEqual(try shares(), before)
  }
}
