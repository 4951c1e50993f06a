import Foundation
import TestSupport
import XCTest

@testable import AISearch

final class IngestTests: XCTestCase {
  private func readSeed(_ name: String) throws -> (Document, [Substring]) {
    let path = seedsDirectory + "/" + name
    let bytes = try FileSystem.readFile(path)
    let document = DocumentReader().read(bytes: bytes, path: "seeds/" + name, format: .text)
    let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    return (document, lines)
  }

  private static let seedNames = [
    "000_da694b247fc40f0e.txt", "001_a4a25052c983028c.txt", "002_adb9185c34c19f90.txt",
    "003_a2d3ffc32f773a1c.txt", "004_cbc905a0334dfc15.txt",
  ]

  /// Every line of every passage is found, in order, in the cited source lines, and the
  /// first and last passage lines sit on line_start and line_end exactly.
  func testSeedPassagesCiteExactlyTheirLines() throws {
    for name in IngestTests.seedNames {
      let (document, lines) = try readSeed(name)
      XCTAssertFalse(document.passages.isEmpty, name)
      var previousEnd = 0
      for passage in document.passages {
        XCTAssertLessThanOrEqual(passage.text.unicodeScalars.count, 1000, "\(name):\(passage.lineStart)")
        XCTAssertGreaterThan(passage.lineStart, previousEnd, "passages of \(name) overlap or go backwards")
        XCTAssertLessThanOrEqual(passage.lineStart, passage.lineEnd)
        previousEnd = passage.lineEnd
        let textLines = passage.text.split(separator: "\n")
        var line = passage.lineStart
        for (i, textLine) in textLines.enumerated() {
          while line <= passage.lineEnd && !lines[line - 1].contains(textLine) { line += 1 }
          XCTAssertLessThanOrEqual(line, passage.lineEnd, "\(name):\(passage.lineStart): \(textLine.prefix(40)) not in its lines")
          if i == 0 { XCTAssertEqual(line, passage.lineStart, "\(name): first line of passage") }
        }
        XCTAssertEqual(line, passage.lineEnd, "\(name):\(passage.lineStart): last line of passage")
      }
    }
  }

  func testSeedPassageAroundTheAscend910C() throws {
    let (document, _) = try readSeed("000_da694b247fc40f0e.txt")
    let hits = document.passages.filter { $0.text.contains("华为的Ascend芯片，比如最新的910C") }
    // Line 298 and its repeat on line 302 (inside the <details> block of lines 300-303).
    XCTAssertEqual(hits.map(\.lineStart), [298, 300])
    XCTAssertEqual(hits.map(\.lineEnd), [298, 303])
  }

  func testFrontMatterAndHeadingMetadata() throws {
    let (seed000, _) = try readSeed("000_da694b247fc40f0e.txt")
    XCTAssertEqual(seed000.title, "中美AI终局之战：谁将定义21世纪的技术超级大国？")
    XCTAssertEqual(seed000.url, "https://www.youtube.com/watch?v=7avo_mHcSLU")
    XCTAssertEqual(seed000.date, "2025-11-11")
    // Front matter (lines 1-66) is metadata, not passage text; line 67 is blank.
    XCTAssertEqual(seed000.passages.first?.lineStart, 68)
    let (seed004, _) = try readSeed("004_cbc905a0334dfc15.txt")
    XCTAssertEqual(seed004.title, "2026-03-01 DeepSeek 震撼：中国 AI 的历史性机遇与虚幻希望")
    XCTAssertNil(seed004.url)
    let (seed002, _) = try readSeed("002_adb9185c34c19f90.txt")
    XCTAssertNil(seed002.title)
  }

  func testFrontMatterFieldsAsWritten() throws {
    func metadata(_ yaml: String) -> (Metadata, Int) {
      let lines = ("---\n" + yaml + "\n---\nbody").split(separator: "\n", omittingEmptySubsequences: false)
      return Metadata.frontMatter(lines)
    }
    let (full, lineCount) = metadata(
      """
      title: "昇腾 910C: 量产"
      source: https://example.com/a
      date: 2025-03-14 10:00:00
      tags:
        - 芯片
        - " 华为 "
      nested: {title: no}
      """)
    XCTAssertEqual(lineCount, 9)
    XCTAssertEqual(full, Metadata(title: "昇腾 910C: 量产", url: "https://example.com/a", date: "2025-03-14", tags: ["芯片", "华为"]))
    // A date written otherwise stays as written, with a warning (date: filters pass over
    // it); comma-separated tags are split.
    var written = Metadata(date: "March 2025", tags: ["a", "b", "c"])
    written.warnings = ["front matter date \"March 2025\" is not a date like 2025-03-14; date: filters pass over it"]
    XCTAssertEqual(metadata("date: March 2025\nkeywords: a, b ,c").0, written)
    XCTAssertEqual(metadata("date: '2025-03-14T08:00:00+08:00'").0.date, "2025-03-14")
    // YAML's null is no value, unless quoted.
    XCTAssertEqual(metadata("title: ~\nurl: null\ntags: [a, ~]").0, Metadata(tags: ["a"]))
    XCTAssertEqual(metadata("title: \"null\"").0.title, "null")
    // Malformed YAML and a document that is not a mapping give no metadata, but the block
    // is still front matter.
    var ignored = Metadata()
    ignored.warnings = ["front matter (lines 1–3) is not a YAML mapping of fields; it is ignored"]
    XCTAssertEqual(metadata("title: [unclosed").0, ignored)
    XCTAssertEqual(metadata("title: [unclosed").1, 3)
    ignored.warnings = ["front matter (lines 1–4) is not a YAML mapping of fields; it is ignored"]
    XCTAssertEqual(metadata("- a\n- b").0, ignored)
    // Flow collections nested deeper than libyaml parses in reasonable time are not parsed.
    func nested(_ depth: Int) -> String {
      "title: x\nextra: " + String(repeating: "[", count: depth) + "a" + String(repeating: "]", count: depth)
    }
    XCTAssertEqual(metadata(nested(YAMLMapping.maximumNesting)).0.title, "x")
    XCTAssertEqual(metadata(nested(YAMLMapping.maximumNesting + 1)).0.title, nil)
    XCTAssertEqual(metadata(nested(YAMLMapping.maximumNesting + 1)).0.warnings.count, 1)
    XCTAssertEqual(Metadata.heading("## 昇腾 910C ##"), "昇腾 910C")
    XCTAssertEqual(Metadata.heading("#hashtag"), nil)
  }

  func testDeeplyNestedHTMLKeepsItsText() throws {
    // libxml2 gives up past 256 levels unless told to take huge documents; it then returned
    // no document at all, and the file was indexed as empty.
    for depth in [300, 20_000] {
      let html =
        "<html><head><title>深</title></head><body><p>开头文字</p>" + String(repeating: "<div>", count: depth)
        + "<p>华为昇腾芯片</p>" + String(repeating: "</div>", count: depth) + "<p>结尾文字</p></body></html>"
      let document = DocumentReader().read(bytes: Array(html.utf8), path: "d.html", format: .html)
      XCTAssertEqual(document.title, "深")
      let text = document.passages.map(\.text).joined(separator: " ")
      for words in ["开头文字", "华为昇腾芯片", "结尾文字"] { XCTAssertTrue(text.contains(words), "\(depth): \(text)") }
    }
  }

  func testWindowsLineEndsCountAsLines() throws {
    let paragraph = String(repeating: "华为昇腾芯片量产。", count: 25)
    let text = "---\r\ntitle: CRLF\r\ntags: [a, b]\r\n---\r\n\r\n\(paragraph)\r\n\r\n\(paragraph)\r\nend\r\n"
    let document = DocumentReader().read(bytes: Array(text.utf8), path: "w.md", format: .markdown)
    XCTAssertEqual(document.title, "CRLF")
    XCTAssertEqual(document.tags, ["a", "b"])
    // Lines as grep counts them, no "\r" left in the text (a paragraph that ends a sentence
    // at 200+ characters ends its passage, so "end" stands alone).
    XCTAssertEqual(document.passages.map { [$0.lineStart, $0.lineEnd] }, [[6, 6], [8, 8], [9, 9]])
    XCTAssertEqual(document.passages.map(\.text), [paragraph, paragraph, "end"])
  }

  /// The trimming of lines takes shortcuts on plain end scalars; it must trim exactly as
  /// trimming whole Characters does, also around marks that join a space (" \u{301}"),
  /// non-ASCII spaces, "\r\n" and the marks next to the CJK ranges it trusts.
  func testLineTrimmingMatchesCharacterTrimming() {
    func byCharacters(_ line: Substring) -> Substring {
      var s = line
      while let first = s.first, first.isWhitespace { s.removeFirst() }
      while let last = s.last, last.isWhitespace { s.removeLast() }
      return s
    }
    let pieces = [
      " ", "\t", "\r", "\n", "\r\n", "\u{3000}", "\u{A0}", "\u{2003}", "\u{301}", "\u{200D}", "\u{302A}", "\u{FF9E}",
      "\u{3099}", "\u{E33}", "a", "Z", "华", "。", "」", "！", "ｶ", "\u{1F44D}", "\u{1F3FB}", "\u{600}", "é",
    ]
    var generator = SystemRandomNumberGenerator()
    var lines: [String] = []
    for _ in 0..<20_000 {
      lines.append((0..<Int.random(in: 0...5, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
    }
    for a in pieces { for b in pieces { lines.append(a + b); lines.append(" " + a + "x" + b + " ") } }
    for line in lines {
      XCTAssertEqual(Array(line[...].trimmingWhitespace.unicodeScalars), Array(byCharacters(line[...]).unicodeScalars),
        "\(line.unicodeScalars.map { String($0.value, radix: 16) })")
    }
  }

  /// Every scalar the trimming trusts as a Character boundary forms no Character with a
  /// space on either side, by Swift's own grapheme breaking.
  func testScalarsTrustedByTheTrimmingJoinNoSpace() {
    var joining: [UInt32] = []
    var trusted = 0
    for value in UInt32(0)...0x10FFFF {
      guard let scalar = Unicode.Scalar(value), Substring.joinsNoSpace(scalar) else { continue }
      trusted += 1
      var before = " "
      before.unicodeScalars.append(scalar)
      var after = ""
      after.unicodeScalars.append(scalar)
      after += " "
      if before.count != 2 || after.count != 2 { joining.append(value) }
    }
    XCTAssertEqual(joining.map { String($0, radix: 16) }, [])
    XCTAssertGreaterThan(trusted, 100_000)
  }

  /// The trimming's own White_Space list is Unicode's, over every scalar.
  func testWhiteSpaceListIsUnicodes() {
    var differing: [UInt32] = []
    for value in UInt32(0)...0x10FFFF {
      guard let scalar = Unicode.Scalar(value) else { continue }
      if Substring.isWhiteSpace(scalar) != scalar.properties.isWhitespace { differing.append(value) }
    }
    XCTAssertEqual(differing, [])
  }

  /// The splitter works on bytes; its passages are those of the same rules applied through
  /// Substrings and Characters (`referenceSplit`, the splitter as it was before), on random
  /// lines of spaces, marks, quotes, stops, headings and overlong runs, and on the seeds.
  func testSplittingOnBytesGivesTheSamePassages() throws {
    let pieces = [
      " ", "\t", "\r", "\u{3000}", "\u{A0}", "\u{2003}", "\u{301}", "\u{200D}", "\u{FF9E}", "a", "Z", "华", "。", "！",
      ".", ". ", "?", ";", "”", "’", "\"", ")", "）", "」", "』", "\u{1F44D}", "é", "# ", "## ", "#", "中文句子",
      String(repeating: "长", count: 300), String(repeating: "word ", count: 60),
    ]
    var generator = PruningTests.SplitMix(state: 3)
    func pick() -> String { pieces[Int(generator.next() % UInt64(pieces.count))] }
    var documents: [[String]] = []
    for _ in 0..<400 {
      documents.append((0..<Int(generator.next() % 40)).map { _ in
        generator.next() % 5 == 0 ? "" : (0..<Int(generator.next() % 8 + 1)).map { _ in pick() }.joined()
      })
    }
    for name in try FileManager.default.contentsOfDirectory(atPath: seedsDirectory).sorted() {
      let text = try String(contentsOfFile: seedsDirectory + "/" + name, encoding: .utf8)
      documents.append(text.components(separatedBy: "\n"))
    }
    let splitter = PassageSplitter()
    for (d, lines) in documents.enumerated() {
      let substrings = lines.map { Substring($0) }
      let starts: Set<Int> = d % 3 == 0 ? [1, 4, 9] : []
      let mine = splitter.split(substrings, firstLine: 3, paragraphStarts: starts)
      let expected = Self.referenceSplit(splitter, substrings, firstLine: 3, paragraphStarts: starts)
      XCTAssertEqual(mine.map(\.text), expected.map(\.text), "document \(d)")
      XCTAssertEqual(mine.map { [$0.lineStart, $0.lineEnd] }, expected.map { [$0.lineStart, $0.lineEnd] }, "document \(d)")
      XCTAssertEqual(mine.map(\.section), expected.map(\.section), "document \(d)")
    }
  }

  private static func referenceSplit(
    _ splitter: PassageSplitter, _ lines: [Substring], firstLine: Int, paragraphStarts: Set<Int>
  ) -> [Passage] {
    func endsSentence(_ line: Substring) -> Bool {
      var scalars = line.unicodeScalars[...]
      while let last = scalars.last, ["\u{201D}", "\u{2019}", "\"", "'", ")", "\u{FF09}", "\u{300D}", "\u{300F}"].contains(last) {
        scalars = scalars.dropLast()
      }
      guard let last = scalars.last else { return false }
      return PassageSplitter.isSentenceEnd(last, next: nil)
    }
    var passages: [Passage] = []
    var text = ""
    var length = 0
    var lineStart = 0
    var lineEnd = 0
    var previousEndsSentence = false
    var pendingBreak = false
    var heading: String? = nil
    var passageSection: String? = nil
    func flush() {
      guard length > 0 else { return }
      passages.append(Passage(text: text, lineStart: lineStart, lineEnd: lineEnd, section: passageSection))
      text = ""
      length = 0
    }
    for (offset, rawLine) in lines.enumerated() {
      let lineNumber = firstLine + offset
      let line = rawLine.trimmingWhitespace
      if line.isEmpty {
        pendingBreak = true
        continue
      }
      let lineHeading = line.first == "#" ? Metadata.heading(line) : nil
      let lineLength = line.unicodeScalars.count
      let pieces = lineLength <= splitter.maxLength ? [line] : splitter.cut(line)
      for (pieceIndex, piece) in pieces.enumerated() {
        let pieceLength = piece.unicodeScalars.count
        let boundary =
          pieceIndex == 0
          && (pendingBreak || lineHeading != nil || previousEndsSentence || paragraphStarts.contains(offset))
        if length > 0 && (length + pieceLength > splitter.maxLength || (boundary && length >= splitter.minLength)) {
          flush()
        }
        if length == 0 {
          lineStart = lineNumber
          passageSection = lineHeading ?? heading
        } else if pieceIndex == 0 {
          text += "\n"
        }
        text += piece
        length += pieceLength
        lineEnd = lineNumber
        pendingBreak = false
      }
      previousEndsSentence = endsSentence(line)
      if let lineHeading { heading = lineHeading }
    }
    flush()
    return passages
  }

  func testLongLinesAreCutAtSentenceEnds() throws {
    let sentence = "这是一个用于测试的中文句子，它大约有三十个字符长短。"  // 26 scalars
    let line = String(repeating: sentence, count: 100)
    let passages = PassageSplitter().split([Substring(line)])
    XCTAssertEqual(passages.count, 3)
    XCTAssertEqual(passages.map { $0.text.unicodeScalars.count }, [988, 988, 624])
    for passage in passages {
      XCTAssertTrue(passage.text.hasSuffix("。"))
      XCTAssertEqual(passage.lineStart, 1)
      XCTAssertEqual(passage.lineEnd, 1)
    }
    XCTAssertEqual(passages.map(\.text).joined(), line)
  }

  func testLineWithoutSentenceEndIsCutHard() throws {
    let line = String(repeating: "x", count: 2500)
    let passages = PassageSplitter().split([Substring(line)])
    XCTAssertEqual(passages.map { $0.text.count }, [1000, 1000, 500])
  }

  func testWrappedParagraphStaysTogetherAndParagraphsSplit() throws {
    let wrapped = [
      "The quick brown fox jumps over the lazy dog while the farmer watches from",
      "the porch of the old house, wondering whether the dog will ever wake up and",
      "chase the fox back into the woods where it came from, as it did every day",
      "of the long hot summer before the rains came back to the valley again.",
      "",
      "A second paragraph starts here and it is long enough to stand as a passage on",
      "its own, because it carries more than two hundred characters of text, which is",
      "the minimum length a passage should reach before a paragraph break ends it.",
    ].map { Substring($0) }
    let passages = PassageSplitter().split(wrapped, firstLine: 10)
    XCTAssertEqual(passages.map(\.lineStart), [10, 15])
    XCTAssertEqual(passages.map(\.lineEnd), [13, 17])
  }

  func testShortParagraphsAreMerged() throws {
    let lines = ["# Heading", "", "Short one.", "", "Short two."].map { Substring($0) }
    let passages = PassageSplitter().split(lines)
    XCTAssertEqual(
      passages, [Passage(text: "# Heading\nShort one.\nShort two.", lineStart: 1, lineEnd: 5, section: "Heading")])
  }

  func testInvalidUTF8IsReplacedAndReported() throws {
    let decoded = TextDecoder.decode([0x61, 0xFF, 0xFE, 0x62, 0xE5, 0x8D])
    XCTAssertEqual(decoded.text, "a\u{FFFD}\u{FFFD}b\u{FFFD}")
    XCTAssertEqual(decoded.warning, "invalid UTF-8 bytes replaced with U+FFFD")
    XCTAssertNil(TextDecoder.decode(Array("华为 ok".utf8)).warning)
  }

  func testUTF16WithByteOrderMark() throws {
    let little: [UInt8] = [0xFF, 0xFE] + Array("华为 a".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    let big: [UInt8] = [0xFE, 0xFF] + Array("华为 a".utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    XCTAssertEqual(TextDecoder.decode(little), TextDecoder.Decoded(text: "华为 a", encoding: "UTF-16LE", warning: nil))
    XCTAssertEqual(TextDecoder.decode(big), TextDecoder.Decoded(text: "华为 a", encoding: "UTF-16BE", warning: nil))
    XCTAssertFalse(TextDecoder.looksBinary(little))
    XCTAssertTrue(TextDecoder.looksBinary([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x00]))
  }

  func testHTMLTextKeepsSourceLines() throws {
    let html = """
      <html><head><title>芯片 &amp; 出口</title>
      <style>p { color: red; }
      </style><script>var x = "<p>not text</p>";</script></head>
      <body>
      <p>华为昇腾 910B<br>芯片 &lt;量产&gt;</p>
      <!-- a comment
      spanning lines -->
      <p>Second</p>
      </body></html>
      """
    let document = DocumentReader().read(bytes: Array(html.utf8), path: "a.html", format: .html)
    XCTAssertEqual(document.title, "芯片 & 出口")
    XCTAssertEqual(document.passages.count, 1)
    let passage = try XCTUnwrap(document.passages.first)
    XCTAssertEqual(passage.lineStart, 5)
    XCTAssertEqual(passage.lineEnd, 8)
    XCTAssertEqual(passage.text, "华为昇腾 910B 芯片 <量产>\nSecond")
  }

  func testCorpusScanCitesPathsAsGiven() throws {
    let directory = try TemporaryDirectory()
    try directory.write("docs/a.md", "# A\n")
    try directory.write("docs/sub/b.txt", "b\n")
    try directory.write("docs/README", "plain text\n")
    try directory.write("docs/image.png", "not really\n")
    try directory.write("docs/.hidden/c.txt", "c\n")
    let scan = try Corpus.scan(roots: [directory.path + "/docs/"], excluding: nil)
    XCTAssertEqual(
      scan.files.map { String($0.path.dropFirst(directory.path.count + 1)) },
      ["docs/README", "docs/a.md", "docs/sub/b.txt"])
    XCTAssertEqual(scan.skipped.map { $0.reason }, ["unsupported file type .png"])
    XCTAssertThrowsError(try Corpus.scan(roots: [directory.path + "/missing"], excluding: nil)) { error in
      XCTAssertEqual((error as? AISearchError)?.code, .input)
    }
  }

  /// The root's subdirectories are walked in parallel; files and skips keep the order of a
  /// walk in name order.
  func testCorpusScanOfManySubdirectoriesKeepsTheWalksOrder() throws {
    let directory = try TemporaryDirectory()
    var expected: [String] = []
    for d in 0..<6 {
      try directory.write("docs/\(d)a.txt", "a\n")
      expected.append("\(d)a.txt")
      for f in 0..<3 {
        try directory.write("docs/\(d)d/\(f).txt", "f\n")
        try directory.write("docs/\(d)d/deep/\(f).md", "# m\n")
      }
      try directory.write("docs/\(d)d/x.png", "no\n")
      expected += (0..<3).map { "\(d)d/\($0).txt" } + (0..<3).map { "\(d)d/deep/\($0).md" }
    }
    let docs = directory.path + "/docs"
    let scan = try Corpus.scan(roots: [docs], excluding: nil)
    XCTAssertEqual(scan.files.map { String($0.path.dropFirst(docs.count + 1)) }, expected)
    XCTAssertEqual(scan.skipped.map { String($0.path.dropFirst(docs.count + 1)) }, (0..<6).map { "\($0)d/x.png" })
  }

  /// A link back up the tree, a file name that is not UTF-8 and a pipe are skipped with their
  /// reasons; a link to a directory beside it is followed.
  func testCorpusScanSkipsLoopsBadNamesAndPipes() throws {
    let directory = try TemporaryDirectory()
    try directory.write("docs/a.txt", "a\n")
    try directory.write("other/b.txt", "b\n")
    let docs = directory.path + "/docs"
    XCTAssertEqual(symlink(docs, docs + "/loop"), 0)
    XCTAssertEqual(symlink(directory.path + "/other", docs + "/other"), 0)
    XCTAssertEqual(mkfifo(docs + "/pipe.txt", 0o644), 0)
    let badName = Array((docs + "/n").utf8) + [0xFF] + Array("ame.txt".utf8) + [0]
    let fd = badName.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644) }
    XCTAssertGreaterThanOrEqual(fd, 0)
    close(fd)
    let scan = try Corpus.scan(roots: [docs], excluding: nil)
    XCTAssertEqual(scan.files.map { String($0.path.dropFirst(docs.count + 1)) }, ["a.txt", "other/b.txt"])
    XCTAssertEqual(
      scan.skipped.map { "\($0.path.dropFirst(docs.count + 1)): \($0.reason)" },
      ["n\u{FFFD}ame.txt: file name is not valid UTF-8", "loop: a link back to a directory above it",
       "pipe.txt: not a regular file"])
  }
}

/// An HTML page through libxml2: title, dropped head/script/style/comments, block elements
/// as word boundaries, and passages that cite the page's own lines.
final class HTMLFixtureTests: XCTestCase {
  func testHTMLFixturePassagesAndCitations() throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/page.html").path
    let bytes = try FileSystem.readFile(path)
    let document = DocumentReader().read(bytes: bytes, path: "page.html", format: .html)
    XCTAssertEqual(document.title, "出口管制 & 芯片")
    // Lines 10-16 hold 170 characters, under the 200 a passage should reach, so the blank
    // line 17 does not end the passage.
    XCTAssertEqual(document.passages.map(\.lineStart), [10])
    XCTAssertEqual(document.passages.map(\.lineEnd), [18])
    let lines = try XCTUnwrap(document.passages.first).text.split(separator: "\n").map(String.init)
    XCTAssertEqual(
      lines,
      [
        "美国对华芯片出口管制",
        "2025年以来，美国对华芯片出口管制呈现出阶段性加码与战术性松绑并存的特征。",
        "4月突然叫停英伟达专为中国设计的H20芯片及AMD的MI308芯片出口，直接导致英伟达计提高达55亿美元的减值损失。",
        "性能妥协：算力仅为H100的15%-30% 市场维系：覆盖中国中高端AI训练需求",
        "然而，仅三个月后的7月，美国商务部又批准H20芯片恢复出货，但附加了苛刻条件——要求从对华芯片销售收入中抽成15%，这一“政治分润”条款凸显了技术管制背后的经济博弈逻辑。至8月，美国商务部开始发放H20芯片出口许可证，为英伟达重返中国市场打开政策窗口。",
      ])
    // Each text line is the visible text of a source line in the cited range, in order.
    let source = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    XCTAssertTrue(source[9].contains("美国对华芯片出口管制"))
    XCTAssertTrue(source[10].contains("与战术性松绑并存的特征。"))
    XCTAssertTrue(source[11].hasPrefix("4月突然叫停"))
    XCTAssertTrue(source[14].contains("<li>性能妥协") && source[14].contains("<li>市场维系"))
    XCTAssertTrue(source[17].hasPrefix("<p>然而，仅三个月后的7月"))
  }
}
