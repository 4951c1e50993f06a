import AISearch
import Foundation
import TestSupport
import XCTest

@testable import aisearch

/// Runs the built `aisearch` binary and checks its exact output and exit status.
final class SearchCLITests: XCTestCase {
  private func corpus() throws -> Workspace {
    let workspace = try Workspace()
    try workspace.write(
      "c/a.md", "---\ntitle: Chips\nurl: https://example.com/a\ndate: 2025-01-02\n---\n\n华为昇腾 910B 芯片量产。\n")
    try workspace.write("c/b.txt", "Nothing about chips here, only 芯片 alone.\n")
    let result = try workspace.run("index", "c", "--index", "idx")
    XCTAssertEqual(result.status, 0, result.stderr)
    return workspace
  }

  func testDemoOnTheSeedsBuildsTheIndexFirst() throws {
    let workspace = try Workspace()
    try workspace.copySeeds()
    let first = try workspace.run("昇腾 910C", "--format", "jsonl", "-k", "3")
    XCTAssertEqual(first.status, 0, first.stderr)
    XCTAssertTrue(first.stderr.hasPrefix("aisearch: no index in ./index yet; indexing ./seeds first\n"), first.stderr)
    let hits = try jsonLines(first.stdout)
    XCTAssertEqual(hits.count, 3)
    XCTAssertTrue(
      hits.contains {
        $0["path"] as? String == "seeds/000_da694b247fc40f0e.txt"
          && ($0["text"] as? String ?? "").contains("华为的Ascend芯片，比如最新的910C")
      }, first.stdout)
    XCTAssertTrue(
      hits.contains { ($0["text"] as? String ?? "").contains("昇腾") && ($0["text"] as? String ?? "").contains("910B") },
      first.stdout)
    // Line 302 repeats line 298 inside <details>: one hit, the copy cited as a duplicate.
    let ascend = try XCTUnwrap(hits.first { ($0["text"] as? String ?? "").contains("比如最新的910C") })
    XCTAssertEqual(ascend["line_start"] as? Int, 298)
    let copies = try XCTUnwrap(ascend["duplicates"] as? [[String: Any]])
    XCTAssertEqual(copies.map { $0["line_start"] as? Int }, [300])
    XCTAssertEqual(copies.map { $0["line_end"] as? Int }, [303])
    XCTAssertEqual(copies.map { $0["path"] as? String }, ["seeds/000_da694b247fc40f0e.txt"])
    let second = try workspace.run("昇腾 910C", "--format", "jsonl", "-k", "3")
    XCTAssertEqual(second.stderr, "")
    XCTAssertEqual(second.stdout, first.stdout)
  }

  // N = 2 passages: a.md has 13 body tokens (华 为 升 腾 华为 为升 升腾 910b 910 芯 片 芯片
  // 量产), b.txt 9 (nothing about chip here only 芯 片 芯片 alone); avgdl 11. The query 昇腾
  // asks for the bigram 升腾 (folded), in a.md only: idf = ln(1 + 1.5 / 1.5) = ln 2;
  // t = 1 / (0.25 + 0.75 · 13 / 11) = 0.88; score = 0.693147 · 0.88 / (1.2 + 0.88) = 0.293254.
  func testTextOutput() throws {
    let workspace = try corpus()
    let result = try workspace.run("昇腾", "--index", "idx")
    XCTAssertEqual(result.status, 0)
    XCTAssertEqual(result.stdout, "1. c/a.md:7-7  Chips  (score 0.29)\n   华为昇腾 910B 芯片量产。\n")
    XCTAssertEqual(result.stderr, "")
  }

  // Six mirrors of one page: one hit; text cites three copies and counts the other two,
  // JSON lists all five.
  func testTextCitesTheFirstCopiesAndCountsTheRest() throws {
    let workspace = try Workspace()
    for mirror in 1...6 {
      try workspace.write("m/\(mirror)/page.txt", "华为昇腾 910B 芯片量产，良率提升。\n")
    }
    XCTAssertEqual(try workspace.run("index", "m", "--index", "idx").status, 0)
    let text = try workspace.run("昇腾 良率", "--index", "idx")
    XCTAssertEqual(text.status, 0, text.stderr)
    let lines = text.stdout.split(separator: "\n").map(String.init)
    XCTAssertTrue(lines.first?.hasPrefix("1. m/1/page.txt:1-1  (score ") ?? false, text.stdout)
    XCTAssertEqual(
      Array(lines.dropFirst().prefix(5)),
      [
        "   also m/2/page.txt:1-1", "   also m/3/page.txt:1-1", "   also m/4/page.txt:1-1",
        "   also 2 more copies (--format json lists every one)", "   华为昇腾 910B 芯片量产，良率提升。",
      ])
    let json = try workspace.run("昇腾 良率", "--index", "idx", "--format", "jsonl")
    let copies = try XCTUnwrap(try jsonLines(json.stdout).first?["duplicates"] as? [[String: Any]])
    XCTAssertEqual(copies.map { $0["path"] as? String }, (2...6).map { "m/\($0)/page.txt" })
  }

  func testJSONLAndJSONOutput() throws {
    let workspace = try corpus()
    let exact = try workspace.run("search", "昇腾", "--index", "idx", "--format", "jsonl")
    XCTAssertEqual(
      exact.stdout,
      #"{"rank":1,"score":0.2933,"path":"c/a.md","line_start":7,"line_end":7,"title":"Chips","url":"https://example.com/a","date":"2025-01-02","text":"华为昇腾 910B 芯片量产。","highlights":[[2,4]],"match":"full","duplicates":[],"snippet":{"text":"华为昇腾 910B 芯片量产。","highlights":[[2,4]]}}"#
        + "\n")
    let json = try workspace.run("芯片", "--index", "idx", "--format", "json", "-k", "1")
    XCTAssertEqual(json.status, 0)
    let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(object["query"] as? String, "芯片")
    let hits = try XCTUnwrap(object["hits"] as? [[String: Any]])
    XCTAssertEqual(hits.count, 1)
    // The bigram 芯片 is in both; the shorter b.txt wins: idf ln 1.2 = 0.182322,
    // t = 1 / (0.25 + 0.75 · 9 / 11) = 1.157895, score 0.089533 against 0.077136 for a.md.
    XCTAssertEqual(hits[0]["path"] as? String, "c/b.txt")
    XCTAssertEqual(hits[0]["highlights"] as? [[Int]], [[31, 33]])
    let untitled = try workspace.run("alone", "--index", "idx", "--format", "jsonl")
    XCTAssertTrue(untitled.stdout.contains(#""title":null,"url":null,"date":null"#), untitled.stdout)
  }

  // The query word "nowhereword" is in no passage: idf ln(1 + 2.5 / 0.5) = ln 6. Coverage of
  // a.md = ln 2 / (ln 2 + ln 6) = 0.278943, score 0.293254 · 0.278943 = 0.081801.
  func testWeakMatchesAreSaid() throws {
    let workspace = try corpus()
    let text = try workspace.run("昇腾 nowhereword", "--index", "idx")
    XCTAssertEqual(text.status, 0)
    XCTAssertEqual(
      text.stdout,
      "Weak matches: no passage holds enough of the query; these are the closest.\n\n"
        + "1. c/a.md:7-7  Chips  (score 0.08)\n   华为昇腾 910B 芯片量产。\n")
    let json = try workspace.run("昇腾 nowhereword", "--index", "idx", "--format", "json")
    let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(object["confident"] as? Bool, false)
    XCTAssertEqual((object["hits"] as? [[String: Any]])?.map { $0["match"] as? String }, ["partial"])
    XCTAssertEqual(object["notes"] as? [String], [])
    // The notes stderr gets are in the object too (here: "did you mean").
    let typo = try workspace.run("昇腾 nothign", "--index", "idx", "--format", "json")
    let typoObject = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(typo.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(typoObject["notes"] as? [String], ["no passage holds nothign; did you mean nothing?"])
    XCTAssertEqual(typo.stderr, "aisearch: note: no passage holds nothign; did you mean nothing?\n")
    let strong = try workspace.run("昇腾 910B", "--index", "idx", "--format", "json")
    let strongObject = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(strong.stdout.utf8)) as? [String: Any])
    XCTAssertEqual(strongObject["confident"] as? Bool, true)
    XCTAssertEqual(strongObject["notes"] as? [String], [])
    XCTAssertEqual((strongObject["hits"] as? [[String: Any]])?.first?["match"] as? String, "full")
  }

  func testEvalScoresJudgedQueries() throws {
    let workspace = try corpus()
    try workspace.write(
      "judged.jsonl",
      #"""
      {"id": "q1", "query": "昇腾 910B", "kind": "oov", "evidence": [["华为昇腾 910B"]]}
      {"id": "q2", "query": "芯片", "kind": "keyword", "evidence": [["芯片量产"], ["only 芯片 alone"]]}
      {"id": "q3", "query": "alone chips", "kind": "english", "evidence": [["量产"]]}
      {"id": "q4", "query": "Redis 持久化", "kind": "no-answer", "evidence": []}
      """#)
    let result = try workspace.run("eval", "judged.jsonl", "--index", "idx")
    XCTAssertEqual(result.status, 0, result.stderr)
    // q1: found first. q2: b.txt first (see testJSONLAndJSONOutput), both units in the top 10.
    // q3: the passage with 量产 (a.md) holds neither word in its text, but "chips" matches its
    // title "Chips": second, after b.txt.
    XCTAssertEqual(
      result.stdout,
      """

      kind                n     S@1     S@5  MRR@10    R@10
      english             1   0.000   1.000   0.500   1.000
      keyword             1   1.000   1.000   1.000   1.000
      oov                 1   1.000   1.000   1.000   1.000
      OVERALL             3   0.667   1.000   0.833   1.000

      no-answer: 1 queries, 0 returned >=1 hit, 1 flagged as no confident answer

      """)
    // The same file as Windows editors write it: a byte order mark and CRLF line ends.
    let judged = try String(contentsOfFile: workspace.path + "/judged.jsonl", encoding: .utf8)
    try workspace.write("windows.jsonl", "\u{FEFF}" + judged.replacingOccurrences(of: "\n", with: "\r\n"))
    let windows = try workspace.run("eval", "windows.jsonl", "--index", "idx")
    XCTAssertEqual(windows.status, 0, windows.stderr)
    XCTAssertEqual(windows.stdout, result.stdout)
    let malformed = try workspace.run("eval", "c/b.txt", "--index", "idx")
    XCTAssertEqual(malformed.status, 2)
    XCTAssertEqual(malformed.stderr, "aisearch: c/b.txt:1: not a query object with \"id\" and \"query\"\n")
    // The line named is the file's, blank lines counted.
    try workspace.write("gap.jsonl", "{\"id\": 1, \"query\": \"芯片\"}\n\n{\"id\": 2}\n")
    let gap = try workspace.run("eval", "gap.jsonl", "--index", "idx")
    XCTAssertEqual(gap.stderr, "aisearch: gap.jsonl:3: not a query object with \"id\" and \"query\"\n")
  }

  func testBatchNumbersQueriesByLine() throws {
    let workspace = try corpus()
    try workspace.write("queries.txt", "昇腾\n\nnomatchzzz\n芯片\n")
    let result = try workspace.run("search", "--batch", "queries.txt", "--index", "idx")
    XCTAssertEqual(result.status, 0, result.stderr)
    let hits = try jsonLines(result.stdout)
    XCTAssertEqual(hits.map { $0["query_id"] as? Int }, [1, 4, 4])
    XCTAssertEqual(hits.map { $0["query"] as? String }, ["昇腾", "芯片", "芯片"])
    XCTAssertEqual(hits.map { $0["rank"] as? Int }, [1, 1, 2])
    XCTAssertEqual(hits.map { $0["path"] as? String }, ["c/a.md", "c/b.txt", "c/a.md"])
    XCTAssertTrue(result.stdout.hasPrefix(#"{"query_id":1,"query":"昇腾","confident":true,"rank":1,"#), result.stdout)
  }

  /// A malformed query in a batch is named with its line and the batch goes on; the exit
  /// status says a query was malformed. A NUL in a line is read as a space, not as its end.
  func testBatchGoesOnPastAMalformedQuery() throws {
    let workspace = try corpus()
    try workspace.write("queries.txt", "昇腾 date:2025-13\n芯片\u{0}昇腾\n芯片\n")
    let result = try workspace.run("search", "--batch", "queries.txt", "--index", "idx")
    XCTAssertEqual(result.status, 2)
    XCTAssertEqual(
      result.stderr,
      "aisearch: query 1: date:2025-13 is not a date or range; write date:2025, date:2025-01..2025-06 or date:2025-03-01..\n"
        + "aisearch: query 2: note: control characters in the query were read as spaces\n")
    let hits = try jsonLines(result.stdout)
    XCTAssertEqual(hits.map { $0["query_id"] as? Int }, [2, 2, 3, 3])
    XCTAssertEqual(hits.first?["query"] as? String, "芯片\u{0}昇腾")
  }

  /// `--timings` gives one line per query on stderr: its line number, microseconds in all,
  /// passages scored, microseconds of ranking (within the whole) and passages read.
  func testBatchTimingsCountTheWork() throws {
    let workspace = try corpus()
    try workspace.write("queries.txt", "昇腾\n\nnomatchzzz\n芯片\n")
    let result = try workspace.run("search", "--batch", "queries.txt", "--index", "idx", "--timings")
    XCTAssertEqual(result.status, 0, result.stderr)
    let rows = result.stderr.split(separator: "\n").map { $0.split(separator: "\t").map { Int($0) } }
    XCTAssertEqual(rows.count, 3, result.stderr)
    XCTAssertTrue(rows.allSatisfy { $0.count == 5 && !$0.contains(nil) }, result.stderr)
    let values = rows.map { $0.map { $0 ?? -1 } }
    XCTAssertEqual(values.map { $0[0] }, [1, 3, 4])
    XCTAssertEqual(values.map { $0[2] }, [1, 0, 2], "passages scored")
    XCTAssertEqual(values.map { $0[4] }, [1, 0, 2], "passages read")
    XCTAssertTrue(values.allSatisfy { $0[3] >= 0 && $0[3] <= $0[1] }, result.stderr)
  }

  /// `--warm-up` answers the batch twice and prints the second pass only: the same hits,
  /// one timing line per query, each error and note once.
  func testWarmUpPrintsOnePass() throws {
    let workspace = try corpus()
    try workspace.write("queries.txt", "昇腾\n\ndate:2025-13\n芯片\u{1}\n")
    let plain = try workspace.run("search", "--batch", "queries.txt", "--index", "idx")
    let warmed = try workspace.run("search", "--batch", "queries.txt", "--index", "idx", "--warm-up", "--timings")
    XCTAssertEqual(warmed.status, 2, warmed.stderr)
    XCTAssertEqual(warmed.stdout, plain.stdout)
    XCTAssertEqual(try jsonLines(warmed.stdout).map { $0["query_id"] as? Int }, [1, 4, 4])
    let lines = warmed.stderr.split(separator: "\n")
    XCTAssertEqual(lines.filter { $0.hasPrefix("aisearch:") }, plain.stderr.split(separator: "\n"))
    XCTAssertEqual(lines.filter { !$0.hasPrefix("aisearch:") }.map { $0.split(separator: "\t").first }, ["1", "4"])
    let refused = try workspace.run("search", "昇腾", "--index", "idx", "--warm-up")
    XCTAssertEqual(refused.status, 2)
    XCTAssertTrue(refused.stderr.hasPrefix("aisearch: --warm-up needs --batch\n"), refused.stderr)
  }

  /// `aisearch WORDS` takes a parser of its own for speed (QuickSearch); `aisearch search
  /// WORDS` always goes through swift-argument-parser. Both must behave alike.
  func testQuickAndFullParsersAgree() throws {
    let workspace = try corpus()
    let commandLines: [[String]] = [
      ["芯片", "--index", "idx"],
      ["芯片", "alone", "--index", "idx", "-k", "1", "--format", "jsonl"],
      ["--index", "idx", "--format", "json", "昇腾", "-910B", "--explain"],
      ["芯片", "--index", "idx", "-k", "0"],
      ["芯片", "--index", "idx", "-k", "1000"],
      ["芯片", "--index", "idx", "-k", "1001"],
      ["芯片", "--index", "idx", "--format", "xml"],
      ["nomatchzzz", "--index", "idx"],
      ["芯片", "--index"],
      ["   ", "--index", "idx"],
    ]
    for arguments in commandLines {
      let quick = try runAISearch(arguments, in: workspace.path)
      let full = try runAISearch(["search"] + arguments, in: workspace.path)
      XCTAssertEqual(quick.status, full.status, "\(arguments)")
      XCTAssertEqual(quick.stdout, full.stdout, "\(arguments)")
      XCTAssertEqual(quick.stderr, full.stderr, "\(arguments)")
    }
  }

  func testQuickParserKnowsEverySubcommand() {
    XCTAssertEqual(
      QuickSearch.subcommands,
      Set(AISearchCommand.configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]))
  }

  func testExitStatuses() throws {
    let workspace = try corpus()
    let none = try workspace.run("nomatchzzz", "--index", "idx")
    XCTAssertEqual(none.status, 1)
    XCTAssertEqual(none.stdout, "")

    for query in ["", "   "] {
      let empty = try workspace.run(query, "--index", "idx")
      XCTAssertEqual(empty.status, 2)
      XCTAssertTrue(empty.stderr.hasPrefix("aisearch: the query is empty\nUsage: aisearch search"), empty.stderr)
    }

    let noIndex = try workspace.run("芯片")
    XCTAssertEqual(noIndex.status, 3)
    XCTAssertEqual(noIndex.stderr, "aisearch: no index in index; build one with `aisearch index PATH... --index index`\n")

    let badK = try workspace.run("芯片", "--index", "idx", "-k", "0")
    XCTAssertEqual(badK.status, 2)
    let tooManyK = try workspace.run("芯片", "--index", "idx", "-k", "100000")
    XCTAssertEqual(tooManyK.status, 2)
    XCTAssertTrue(tooManyK.stderr.hasPrefix("aisearch: -k must be between 1 and 1000\n"), tooManyK.stderr)
  }

  /// A query's segments scored on two threads (and its passages read ahead) give exactly
  /// the output of one thread, copies and citations included.
  func testScoringThreadsGiveTheSameOutput() throws {
    let workspace = try Workspace()
    for f in 0..<48 {
      var text = "# part \(f % 6)\n\n"
      for p in 0..<40 {
        let filler = (0..<40).map { j in "w\((((f * 1009 + p * 131 + j * 17) &* 2_654_435_761) >> 7) % 400)" }.joined(separator: " ")
        text += "alpha beta\(p % 7) gamma\((f * 40 + p) % 13) 词\(p % 5)语 delta\(f % 9) \(filler)\n\n"
      }
      try workspace.write("c/f\(f).md", text)
      // Copies of some files, cited beside their first copy.
      if f % 8 == 0 { try workspace.write("c/copy\(f).md", text) }
    }
    XCTAssertEqual(try workspace.run("index", "c", "--index", "idx", "--ram-mb", "1").status, 0)
    let stats = try workspace.run("stats", "--index", "idx")
    let segments = stats.stdout.split(separator: "\n").first { $0.hasPrefix("segments") }
    XCTAssertNotNil(segments, stats.stdout)
    XCTAssertGreaterThan(Int(segments!.split(separator: " ").last!) ?? 0, 2, stats.stdout)
    try workspace.write("q.txt", "alpha\nalpha beta3\nbeta2 gamma5 w11\n词3语 delta7\n\"alpha beta1\" -gamma2\npart title:part\n")
    let one = try workspace.run("search", "--batch", "q.txt", "--index", "idx", "--threads", "1")
    let two = try workspace.run("search", "--batch", "q.txt", "--index", "idx", "--threads", "2")
    XCTAssertEqual(one.status, 0, one.stderr)
    XCTAssertEqual(one.stdout, two.stdout)
    let hits = try jsonLines(one.stdout)
    XCTAssertEqual((1...6).map { q in hits.filter { $0["query_id"] as? Int == q }.count }, [10, 10, 10, 10, 10, 10])
    XCTAssertGreaterThan(hits.reduce(0) { $0 + (($1["duplicates"] as? [Any])?.count ?? 0) }, 0)
    let bad = try workspace.run("search", "alpha", "--index", "idx", "--threads", "0")
    XCTAssertEqual(bad.status, 2)
    XCTAssertTrue(bad.stderr.hasPrefix("aisearch: --threads must be at least 1\n"), bad.stderr)
  }

  func testCorruptIndexNamesTheFile() throws {
    let workspace = try corpus()
    let path = workspace.path + "/idx/s1.postings"
    var data = try Data(contentsOf: URL(fileURLWithPath: path))
    data[data.count / 2] ^= 0x01
    try data.write(to: URL(fileURLWithPath: path))
    let result = try workspace.run("芯片", "--index", "idx")
    XCTAssertEqual(result.status, 3)
    XCTAssertEqual(
      result.stderr,
      "aisearch: index file idx/s1.postings is corrupt (checksum mismatch); rebuild it with `aisearch index --rebuild PATH...`\n")

    try Data(data.prefix(20)).write(to: URL(fileURLWithPath: path))
    let truncated = try workspace.run("芯片", "--index", "idx")
    XCTAssertEqual(truncated.status, 3)
    XCTAssertTrue(truncated.stderr.contains("idx/s1.postings is corrupt"), truncated.stderr)

    let rebuilt = try workspace.run("index", "--rebuild", "c", "--index", "idx")
    XCTAssertEqual(rebuilt.status, 0, rebuilt.stderr)
    XCTAssertEqual(try workspace.run("芯片", "--index", "idx").status, 0)
  }
}
