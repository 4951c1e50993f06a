import Foundation
import TestSupport
import XCTest

/// The query language end to end: phrases, exclusions, OR/AND, field filters and the
/// repairs made to malformed queries, with the exact passages each query must return.
final class QueryLanguageCLITests: XCTestCase {
  /// Every paragraph is one passage: each line carries 40 filler words of its own (so no
  /// two passages look alike and each passes the 200-character minimum).
  private static func paragraph(_ id: Int, _ text: String) -> String {
    text + " " + (0..<40).map { "p\(id)w\($0)" }.joined(separator: " ")
  }

  private func corpus() throws -> Workspace {
    let workspace = try Workspace()
    let p = QueryLanguageCLITests.paragraph
    try workspace.write(
      "docs/gpu.md",
      """
      ---
      title: GPU 指南
      date: 2025-03-14
      tags: [hardware, 芯片]
      ---

      # 安装

      \(p(1, "华为 910C 芯片已经量产。"))

      \(p(2, "训练成本很高，但是推理成本下降了。"))

      # 其他

      \(p(3, "成本训练的说法不对，芯片也不便宜。"))

      """)
    try workspace.write(
      "docs/news.md",
      """
      ---
      title: Industry news
      date: 2024-11-02
      tags: software, news
      ---

      \(p(4, "Huawei announced the 910C chip. 华为发布了新芯片 910C。"))

      \(p(5, "The training cost of large models keeps falling."))

      """)
    try workspace.write(
      "notes/plain.txt",
      """
      \(p(6, "华为 和 910C 不在一起：华为发布会上没有提到它，后来才有 910C。"))

      \(p(7, "The cost of training is high."))

      \(p(8, "华为手机卖得很好。"))

      """)
    let result = try workspace.run("index", "docs", "notes", "--index", "idx")
    XCTAssertEqual(result.status, 0, result.stderr)
    return workspace
  }

  /// The citations (path:line) of a query's hits, best first, as a set when order is
  /// not what the test is about.
  private func citations(_ workspace: Workspace, _ query: String) throws -> [String] {
    let result = try workspace.run(query, "--index", "idx", "--format", "jsonl")
    XCTAssertTrue(result.status == 0 || result.status == 1, "\(query): \(result.stderr)")
    return try jsonLines(result.stdout).map { "\($0["path"] as! String):\($0["line_start"] as! Int)" }
  }

  private func set(_ workspace: Workspace, _ query: String) throws -> Set<String> {
    Set(try citations(workspace, query))
  }

  func testPhrases() throws {
    let w = try corpus()
    // Bare words match wherever either occurs; the phrase only where they stand together.
    XCTAssertEqual(
      try set(w, "华为 910C"), ["docs/gpu.md:7", "docs/news.md:7", "notes/plain.txt:1", "notes/plain.txt:5"])
    XCTAssertEqual(try citations(w, "\"华为 910C\""), ["docs/gpu.md:7"])
    XCTAssertEqual(try citations(w, "“华为 910C”"), ["docs/gpu.md:7"])
    // A Chinese run: 训练成本 but not 成本训练.
    XCTAssertEqual(try citations(w, "\"训练成本\""), ["docs/gpu.md:11"])
    XCTAssertEqual(try set(w, "训练 成本"), ["docs/gpu.md:11", "docs/gpu.md:13"])
    // English, stemmed: "training cost" but not "cost of training".
    XCTAssertEqual(try citations(w, "\"training cost\""), ["docs/news.md:9"])
    XCTAssertEqual(try set(w, "training cost"), ["docs/news.md:9", "notes/plain.txt:3"])
  }

  func testExclusionOrAnd() throws {
    let w = try corpus()
    XCTAssertEqual(try citations(w, "华为 -910C"), ["notes/plain.txt:5"])
    XCTAssertEqual(try set(w, "910C -\"华为 910C\""), ["docs/news.md:7", "notes/plain.txt:1"])
    XCTAssertEqual(try set(w, "量产 OR 下降"), ["docs/gpu.md:7", "docs/gpu.md:11"])
    XCTAssertEqual(try set(w, "芯片 AND 量产"), ["docs/gpu.md:7"])
    XCTAssertEqual(try set(w, "+手机 华为"), ["notes/plain.txt:5"])
    // NOT is "-" on what follows it (a word, a phrase or a filter); lower-case "not" is a word.
    XCTAssertEqual(try citations(w, "华为 NOT 910C"), ["notes/plain.txt:5"])
    XCTAssertEqual(try set(w, "910C NOT \"华为 910C\""), ["docs/news.md:7", "notes/plain.txt:1"])
    XCTAssertEqual(try set(w, "910C NOT path:notes"), ["docs/gpu.md:7", "docs/news.md:7"])
    XCTAssertEqual(try set(w, "芯片 AND 量产 NOT 910C"), [])
    // Parentheses carry a sign (or NOT) to every item inside.
    XCTAssertEqual(try set(w, "华为 -(910C OR 手机)"), [])
    XCTAssertEqual(try citations(w, "华为 NOT (量产 OR 910C)"), ["notes/plain.txt:5"])
    XCTAssertEqual(try set(w, "(量产 OR 下降) AND 芯片"), ["docs/gpu.md:7"])
  }

  /// A prefix stands for the indexed words that begin with it: each is searched, and a
  /// passage holding any of them covers that part of the query.
  func testPrefixes() throws {
    let w = try corpus()
    XCTAssertEqual(try set(w, "train*"), ["docs/news.md:9", "notes/plain.txt:3"])
    XCTAssertEqual(try set(w, "HUA*"), ["docs/news.md:7"])
    XCTAssertEqual(
      try set(w, "华*"), ["docs/gpu.md:7", "docs/news.md:7", "notes/plain.txt:1", "notes/plain.txt:5"])
    XCTAssertEqual(try set(w, "华为 -手*"), ["docs/gpu.md:7", "docs/news.md:7", "notes/plain.txt:1"])
    XCTAssertEqual(try citations(w, "train* +\"cost of training\""), ["notes/plain.txt:3"])
    // In titles, from the titles' words: "Industry news" is no body's.
    XCTAssertEqual(try set(w, "title:indus*"), ["docs/news.md:7", "docs/news.md:9"])
    let json = try w.run("announc*", "--index", "idx", "--format", "jsonl")
    let hit = try XCTUnwrap(try jsonLines(json.stdout).first)
    let text = hit["text"] as! String
    let marked = (hit["highlights"] as! [[Int]]).map { String(text.unicodeScalars.dropFirst($0[0]).prefix($0[1] - $0[0])) }
    XCTAssertEqual(marked, ["announced"])
    let none = try w.run("zzzqq*", "--index", "idx")
    XCTAssertEqual(none.status, 1)
    XCTAssertEqual(none.stderr, "aisearch: note: no indexed word begins with zzzqq\n")
  }

  /// A passage holding several words of one prefix scores what the best of them scores:
  /// naming configure-request, configure-naks and configure-rejects does not outrank
  /// holding configure and the query's other word.
  func testAPrefixsWordsCountWithTheBestOfThem() throws {
    let w = try Workspace()
    let p = QueryLanguageCLITests.paragraph
    try w.write(
      "pppd.txt",
      p(1, "lcp-max-configure n: configure-request configure-naks configure-rejects configure-request 次数") + "\n\n"
        + p(2, "configure 文件 的 位置") + "\n\n" + p(3, "文件 列表") + "\n")
    XCTAssertEqual(try w.run("index", "pppd.txt", "--index", "idx").status, 0)
    let result = try w.run("configur* 文件", "--index", "idx", "--format", "jsonl")
    XCTAssertEqual(try jsonLines(result.stdout).map { $0["line_start"] as! Int }, [3, 1, 5])
    // --explain lists the prefix's words the passage holds, not the others.
    let explained = try w.run("configur* 文件", "--index", "idx", "--format", "jsonl", "--explain", "-k", "1")
    // The words a prefix stood for, most held first (here one passage each: byte order).
    XCTAssertEqual(
      explained.stderr,
      "aisearch: note: configur* was searched as configure, configure-naks, configure-rejects, configure-request\n")
    let explanation = try XCTUnwrap(try jsonLines(explained.stdout).first?["explain"] as? [String: Any])
    XCTAssertEqual((explanation["terms"] as? [[String: Any]])?.compactMap { $0["term"] as? String }, ["configure", "文件"])
  }

  /// A query word no passage holds gets the indexed word nearest to it as a note; not a
  /// word the analysis changed (the user did not write the stem).
  func testMissingWordsGetASuggestion() throws {
    let w = try corpus()
    let typo = try w.run("trainnig", "--index", "idx")
    XCTAssertEqual(typo.status, 1)
    XCTAssertEqual(typo.stderr, "aisearch: note: no passage holds trainnig; did you mean training?\n")
    let mixed = try w.run("Annouced 华为", "--index", "idx", "--format", "jsonl")
    XCTAssertEqual(mixed.status, 0)
    XCTAssertEqual(mixed.stderr, "aisearch: note: no passage holds annouced; did you mean announced?\n")
    XCTAssertEqual(try w.run("trainnigs", "--index", "idx").stderr, "")
    XCTAssertEqual(try w.run("zqxwv", "--index", "idx").stderr, "")
  }

  /// A word in more than 1% of the passages that carries under a quarter of the query's
  /// weight counts only in passages holding a rarer word of the query; without such a
  /// passage, or when the query says what must be held, it matches alone again.
  func testCommonWordsFollowRarerOnes() throws {
    let workspace = try Workspace()
    let p = QueryLanguageCLITests.paragraph
    try workspace.write("c/many.txt", (0..<300).map { p($0, "the") }.joined(separator: "\n\n") + "\n")
    try workspace.write("c/zoo.txt", p(400, "the zebra zebra") + "\n\n" + p(401, "the zebra") + "\n")
    XCTAssertEqual(try workspace.run("index", "c", "--index", "idx").status, 0)
    XCTAssertEqual(try citations(workspace, "zebra the"), ["c/zoo.txt:1", "c/zoo.txt:3"])
    XCTAssertTrue(
      try workspace.run("zebra the", "--index", "idx", "--explain").stderr.contains(
        "note: common words (the) count only in passages holding a rarer word of the query"))
    let required = try citations(workspace, "+the zebra")
    XCTAssertEqual(required.count, 10)
    XCTAssertEqual(Array(required.prefix(2)), ["c/zoo.txt:1", "c/zoo.txt:3"])
    XCTAssertEqual(try citations(workspace, "zebra the path:many").count, 10)
  }

  func testFieldFilters() throws {
    let w = try corpus()
    XCTAssertEqual(try set(w, "+芯片 title:gpu"), ["docs/gpu.md:7", "docs/gpu.md:13"])
    // The section heading counts as title: only the paragraphs under "安装".
    XCTAssertEqual(try set(w, "+成本 title:安装"), ["docs/gpu.md:11"])
    XCTAssertEqual(try set(w, "华为 path:*.txt"), ["notes/plain.txt:1", "notes/plain.txt:5"])
    XCTAssertEqual(try set(w, "华为 -path:docs/*"), ["notes/plain.txt:1", "notes/plain.txt:5"])
    XCTAssertEqual(try set(w, "910C path:news OR path:plain"), ["docs/news.md:7", "notes/plain.txt:1"])
    XCTAssertEqual(try set(w, "910C tag:HARDWARE"), ["docs/gpu.md:7"])
    XCTAssertEqual(try set(w, "910C tag:芯片"), ["docs/gpu.md:7"])
    XCTAssertEqual(try set(w, "910C date:2024-01..2024-12"), ["docs/news.md:7"])
    XCTAssertEqual(try set(w, "910C date:2025"), ["docs/gpu.md:7"])
    XCTAssertEqual(try set(w, "910C date:2025-03-15.."), [])
    // A negated filter keeps documents without a date.
    XCTAssertEqual(try set(w, "910C -date:..2024-12-31"), ["docs/gpu.md:7", "notes/plain.txt:1"])
    // Filters alone list what passes, in index order.
    XCTAssertEqual(try citations(w, "tag:news"), ["docs/news.md:7", "docs/news.md:9"])
  }

  /// A query without hits names the filter no document passes; with a hit, or when some
  /// document passes every filter, nothing is said.
  func testFiltersThatMatchNoDocumentAreNamed() throws {
    let w = try corpus()
    let expectations = [
      ("华为 path:nosuch/*", "aisearch: note: no indexed document matches path:nosuch/*\n"),
      ("华为 path:[", "aisearch: note: no indexed document matches path:[\n"),
      ("华为 tag:none OR tag:nothing", "aisearch: note: no indexed document matches tag:none OR tag:nothing\n"),
      ("华为 date:1999", "aisearch: note: no indexed document matches date:1999\n"),
      ("华为 -path:*", "aisearch: note: every indexed document matches path:*, which the query excludes\n"),
      ("910C date:2025-03-15..", "aisearch: note: no indexed document matches date:2025-03-15..\n"),
      // A document passes the filter, just not with the word: no note.
      ("手机 tag:news", ""),
    ]
    for (query, stderr) in expectations {
      let result = try w.run(query, "--index", "idx")
      XCTAssertEqual(result.status, 1, query)
      XCTAssertEqual(result.stderr, stderr, query)
    }
    let json = try w.run("华为 path:nosuch", "--index", "idx", "--format", "json")
    XCTAssertTrue(json.stdout.contains("\"notes\":[\"no indexed document matches path:nosuch\"],\"hits\":[]"), json.stdout)
    XCTAssertEqual(try w.run("华为 path:docs", "--index", "idx").stderr, "")
  }

  func testMalformedQueries() throws {
    let w = try corpus()
    let unbalanced = try w.run("\"华为 910C", "--index", "idx", "--format", "jsonl")
    XCTAssertEqual(unbalanced.status, 0)
    XCTAssertEqual(unbalanced.stderr, "aisearch: note: an unbalanced quote was closed at the end of the query\n")
    XCTAssertEqual(try jsonLines(unbalanced.stdout).map { $0["line_start"] as! Int }, [7])
    let lone = try w.run("OR 量产 AND", "--index", "idx", "--format", "jsonl")
    XCTAssertEqual(lone.status, 0)
    XCTAssertEqual(
      lone.stderr, "aisearch: note: a lone OR was ignored\naisearch: note: a lone AND was ignored\n")
    let onlyOr = try w.run("OR", "--index", "idx")
    XCTAssertEqual(onlyOr.status, 1)
    XCTAssertEqual(
      onlyOr.stderr, "aisearch: note: a lone OR was ignored\naisearch: note: the query has nothing to search for\n")
    let control = try w.run("量产\u{7}\u{1B}[31m", "--index", "idx", "--format", "jsonl")
    XCTAssertEqual(control.status, 0, control.stderr)
    XCTAssertEqual(control.stderr, "aisearch: note: control characters in the query were read as spaces\n")
    let long = try w.run(String(repeating: "华为 芯片 training ", count: 800), "--index", "idx", "--format", "jsonl")
    XCTAssertEqual(long.status, 0)
    XCTAssertEqual(long.stderr, "aisearch: note: the query was cut to its first 2000 characters\n")
    // Malformed, or well formed but not in the calendar: an error, not a range that
    // matches nothing.
    for bad in ["2025-1", "2025-13"] {
      let date = try w.run("910C date:" + bad, "--index", "idx")
      XCTAssertEqual(date.status, 2)
      XCTAssertEqual(
        date.stderr,
        "aisearch: date:\(bad) is not a date or range; write date:2025, date:2025-01..2025-06 or date:2025-03-01..\n")
    }
    let punctuation = try w.run("，。！", "--index", "idx")
    XCTAssertEqual(punctuation.status, 1)
    XCTAssertEqual(
      punctuation.stderr,
      "aisearch: note: the query has nothing to search for (only punctuation, or words over 64 characters, which are not indexed)\n")
    let reversed = try w.run("910C date:2025..2024", "--index", "idx")
    XCTAssertEqual(reversed.status, 2)
    XCTAssertEqual(reversed.stderr, "aisearch: date:2025..2024 is an empty range: 2025 comes after 2024\n")
    // Unquoted dashes are exclusions, not options; a mistyped long option is an error.
    let unquoted = try w.run("华为", "-910C", "--index", "idx", "--format", "jsonl")
    XCTAssertEqual(try jsonLines(unquoted.stdout).map { $0["line_start"] as! Int }, [5])
    let mistyped = try w.run("华为", "--fromat", "json", "--index", "idx")
    XCTAssertEqual(mistyped.status, 2)
    XCTAssertTrue(mistyped.stderr.hasPrefix("aisearch: unknown option '--fromat'"), mistyped.stderr)
    let onlyExcluded = try w.run("-华为", "--index", "idx")
    XCTAssertEqual(onlyExcluded.status, 1)
    XCTAssertEqual(onlyExcluded.stderr, "aisearch: note: the query has nothing to search for (only exclusions)\n")
  }

  func testExplainShowsTheScoreParts() throws {
    let w = try corpus()
    let result = try w.run("\"训练成本\"", "--index", "idx", "--format", "jsonl", "--explain")
    XCTAssertEqual(result.status, 0, result.stderr)
    let hit = try XCTUnwrap(try jsonLines(result.stdout).first)
    let explain = try XCTUnwrap(hit["explain"] as? [String: Any])
    let terms = try XCTUnwrap(explain["terms"] as? [[String: Any]])
    XCTAssertEqual(terms.map { $0["term"] as? String }, ["训练", "成本"])
    XCTAssertEqual(terms.map { $0["tf"] as? Int }, [1, 2])
    XCTAssertEqual(explain["phrase"] as? Double, 1)
    // The parts multiply to the score (each printed to four decimals).
    XCTAssertEqual(explain["list_page"] as? Double, 1)
    let product =
      (explain["bm25"] as! Double) * (explain["coverage"] as! Double) * (explain["list_page"] as! Double)
      * (explain["proximity"] as! Double)
    XCTAssertEqual(product, hit["score"] as! Double, accuracy: 0.001)
    let termSum = terms.reduce(0.0) { $0 + ($1["score"] as! Double) }
    XCTAssertEqual(termSum, explain["bm25"] as! Double, accuracy: 0.001)
  }
}
