import Foundation
import TestSupport
import XCTest

@testable import AISearch

final class IndexTests: XCTestCase {
  /// Kept for the test's duration: a directory is removed when it is released.
  private var directories: [TemporaryDirectory] = []

  // XCTest keeps every test case instance until the run ends, so the directories are
  // released here, not with the instance.
  override func tearDown() {
    directories.removeAll()
    super.tearDown()
  }

  /// Writes `files` (name → text) under c/ of a new temporary directory, indexes c/ and
  /// returns the index's directory.
  private func indexed(_ files: KeyValuePairs<String, String>) throws -> String {
    let corpus = try TemporaryDirectory()
    directories.append(corpus)
    for (name, text) in files { try corpus.write("c/" + name, text) }
    let index = corpus.path + "/index"
    _ = try IndexWriter(directory: index).update(roots: [corpus.path + "/c"])
    return index
  }

  private func search(_ directory: String, _ query: String, k: Int = 10) throws -> [Hit] {
    try Searcher(index: IndexReader(directory: directory)).search(query, k: k).hits
  }

  /// A heading line as long as a book is cut to `Document.metadataLimit` as a title and
  /// section, so the index stays sound and readable.
  func testAnEndlessHeadingIsCutAndTheIndexChecks() throws {
    let heading = String(repeating: "标题", count: 100_000)
    let document = DocumentReader().read(bytes: Array("# \(heading)\n\n正文 华为\n".utf8), path: "h.md", format: .markdown)
    XCTAssertEqual(document.title?.unicodeScalars.count, Document.metadataLimit + 1)
    XCTAssertEqual(document.title?.hasSuffix("标题…"), true)
    XCTAssertEqual(Set(document.passages.map { $0.section?.unicodeScalars.count }), [Document.metadataLimit + 1])
    let index = try indexed(["h.md": "# \(heading)\n\n正文 华为\n"])
    XCTAssertEqual(try Checker.check(directory: index).passages, document.passages.count)
    let hits = try search(index, "华为")
    XCTAssertEqual(hits.map(\.lineEnd), [3])
    XCTAssertEqual(hits.first?.text.hasSuffix("正文 华为"), true)
  }

  /// BM25 (Lucene form, k1 1.2, b 0.75) on three passages, against values worked out by
  /// hand: N = 3, lengths 3, 2, 4, avgdl = 3.
  func testBM25ScoresMatchHandComputedValues() throws {
    let index = try indexed([
      "a.txt": "apple banana apple\n", "b.txt": "banana cherry\n", "c.txt": "cherry date elder fig\n",
    ])

    // apple: n = 1, idf = ln(1 + 2.5 / 1.5) = 0.980829; a.txt: tf 2, dl 3:
    // 0.980829 · 2 / (2 + 1.2 · (0.25 + 0.75 · 3/3)) = 0.613018
    let apple = try search(index, "apple")
    XCTAssertEqual(apple.count, 1)
    XCTAssertEqual(apple[0].score, 0.613018, accuracy: 1e-6)

    // banana: n = 2, idf = ln(1 + 1.5 / 2.5) = 0.470004;
    // b.txt (dl 2): 0.470004 / (1 + 1.2 · 0.75) = 0.247371; a.txt (dl 3): 0.470004 / 2.2 = 0.213638
    let banana = try search(index, "banana")
    XCTAssertEqual(banana.map { String($0.path.suffix(5)) }, ["b.txt", "a.txt"])
    XCTAssertEqual(banana[0].score, 0.247371, accuracy: 1e-6)
    XCTAssertEqual(banana[1].score, 0.213638, accuracy: 1e-6)

    // apple cherry: BM25 × idf-weighted coverage, total idf 0.980829 + 0.470004 = 1.450833.
    // a.txt 0.613018 · 0.676046 = 0.414428; b.txt 0.247371 · 0.323954 = 0.080137;
    // c.txt (dl 4): 0.470004 / (1 + 1.2 · 1.25) = 0.188002, · 0.323954 = 0.060904
    let both = try search(index, "Apple CHERRY")
    XCTAssertEqual(both.map { String($0.path.suffix(5)) }, ["a.txt", "b.txt", "c.txt"])
    XCTAssertEqual(both[0].score, 0.414428, accuracy: 1e-5)
    XCTAssertEqual(both[1].score, 0.080137, accuracy: 1e-5)
    XCTAssertEqual(both[2].score, 0.060904, accuracy: 1e-5)
    XCTAssertEqual(BM25().idf(passages: 3, containing: 1), 0.980829, accuracy: 1e-6)
  }

  func testHanWordOutranksItsCharactersApart() throws {
    let index = try indexed([
      "apart.txt": "华人为了这件事情忙碌了很久。\n",
      // Short, and 华 and 为 stand alone again and again, but never side by side.
      "scattered.txt": "华，为。华，为。华 为\n",
      "word.txt": "华为发布了新的芯片产品，" + String(repeating: "这是一段很长的说明文字。", count: 20) + "\n",
    ])
    XCTAssertEqual(try search(index, "华为").map { String($0.path.suffix(8)) }, ["word.txt"])
  }

  /// An answer does not repeat the question's interrogatives: "暂停几分钟" is answered by
  /// text about pausing for minutes, not by text that says 如何 and 几.
  func testChineseQuestionWordsAreNotSearchedFor() throws {
    let index = try indexed(["answer.txt": "暂停指定的分钟数后继续执行。\n", "echo.txt": "如何做到？几个人都在问如何做到。\n"])
    let searcher = try Searcher(index: IndexReader(directory: index))
    let answer = try searcher.search("如何 暂停 几 分钟", k: 10)
    XCTAssertEqual(answer.hits.map { String($0.path.suffix(10)) }, ["answer.txt"])
    XCTAssertEqual(answer.hits[0].match, .full)
    // Alone, or quoted, a question word is what the user searches for.
    XCTAssertEqual(try searcher.search("如何", k: 10).hits.map { String($0.path.suffix(8)) }, ["echo.txt"])
    XCTAssertEqual(try searcher.search("\"如何做到\" 暂停", k: 10).hits.first.map { String($0.path.suffix(8)) }, "echo.txt")
  }

  func testAWordIndexedOnlyInsideALongerOneIsSearchedAsThatWord() throws {
    // ICU segments 停留在 as one word here, so 停留 alone is in no passage.
    let index = try indexed(["a.txt": "当光标停留在图标上时显示帮助文本。\n", "b.txt": "显示帮助文本。\n"])
    let searcher = try Searcher(index: IndexReader(directory: index))
    let result = try searcher.search("停留", k: 10)
    XCTAssertEqual(result.hits.map { String($0.path.suffix(5)) }, ["a.txt"])
    XCTAssertEqual(result.notes, ["停留 is indexed only inside longer words; searched as 停留在"])
    XCTAssertEqual(result.hits[0].highlights, [3..<6])
    // A word the index holds is searched as it is.
    XCTAssertEqual(try searcher.search("帮助", k: 10).notes, [])
  }

  func testHighlightsLandOnOriginalCharacters() throws {
    let index = try indexed(["a.txt": "新一代ＨＵＡＷＥＩ芯片：昇腾910C上市\n"])
    let hit = try XCTUnwrap(try search(index, "huawei 昇腾 910c").first)
    let scalars = Array(hit.text.unicodeScalars)
    XCTAssertEqual(
      hit.highlights.map { String(String.UnicodeScalarView(scalars[$0])) }, ["ＨＵＡＷＥＩ", "昇腾910C"])
    XCTAssertEqual(hit.highlights, [3..<9, 12..<18])
  }

  func testIncrementalUpdates() throws {
    let corpus = try TemporaryDirectory()
    try corpus.write("c/a.txt", "alpha unique1\n")
    try corpus.write("c/b.txt", "beta\n")
    try corpus.write("c/c.md", "# Gamma\n\ngamma text\n")
    let index = corpus.path + "/index"
    let root = corpus.path + "/c"
    let writer = try IndexWriter(directory: index)

    var summary = try writer.update(roots: [root])
    XCTAssertEqual([summary.added, summary.changed, summary.deleted, summary.unchanged], [3, 0, 0, 0])
    XCTAssertTrue(summary.committed)
    let manifestPath = index + "/" + Manifest.fileName
    let firstCommit = try Data(contentsOf: URL(fileURLWithPath: manifestPath))

    summary = try writer.update(roots: [root])
    XCTAssertEqual([summary.added, summary.changed, summary.deleted, summary.unchanged], [0, 0, 0, 3])
    XCTAssertFalse(summary.committed)
    XCTAssertEqual(summary.bytesRead, 0, "an unchanged tree is not read again")
    XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: manifestPath)), firstCommit)

    try corpus.write("c/a.txt", "alpha unique2 changed\n")
    summary = try writer.update(roots: [root])
    XCTAssertEqual([summary.added, summary.changed, summary.deleted, summary.unchanged], [0, 1, 0, 2])
    XCTAssertEqual(try search(index, "unique1").count, 0)
    XCTAssertEqual(try search(index, "unique2").map { String($0.path.suffix(5)) }, ["a.txt"])
    XCTAssertEqual(try search(index, "alpha").count, 1, "the old passage of a.txt is gone")

    try corpus.remove("c/b.txt")
    summary = try writer.update(roots: [root])
    XCTAssertEqual([summary.added, summary.changed, summary.deleted, summary.unchanged], [0, 0, 1, 2])
    XCTAssertEqual(try search(index, "beta").count, 0)

    try corpus.write("c/d.txt", "delta\n")
    summary = try writer.update(roots: [root])
    XCTAssertEqual([summary.added, summary.changed, summary.deleted, summary.unchanged], [1, 0, 0, 2])
    XCTAssertEqual(try search(index, "delta").map { String($0.path.suffix(5)) }, ["d.txt"])
    XCTAssertEqual(summary.passages, 3)

    // Same bytes, new modification time: hashed, not analyzed, not a content change.
    let c = root + "/c.md"
    try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: c)
    summary = try writer.update(roots: [root])
    XCTAssertEqual([summary.added, summary.changed, summary.deleted, summary.unchanged], [0, 0, 0, 3])
    XCTAssertEqual(try search(index, "gamma").first?.title, "Gamma")

    // Indexing another root leaves files under the first one alone.
    try corpus.write("other/e.txt", "epsilon\n")
    summary = try writer.update(roots: [corpus.path + "/other"])
    XCTAssertEqual([summary.added, summary.deleted], [1, 0])
    XCTAssertEqual(try search(index, "delta").count, 1)
  }

  /// The scan walks directories depth first; the manifest sorts paths by their bytes, which
  /// puts `d.txt`, `d-x.txt` and `d0.txt` around `d/…` differently: every file is still
  /// found again, whichever order (the order-breaking entries by binary search).
  func testUnchangedFilesAreFoundAgainWhereTheWalkAndTheManifestOrderDiffer() throws {
    let corpus = try TemporaryDirectory()
    let names = ["c/d/a.txt", "c/d/z.txt", "c/d.txt", "c/d-x.txt", "c/d0.txt", "c/d/e/f.txt", "c/c.txt", "c/e.txt", "c/dé.txt"]
    for (i, name) in names.enumerated() { try corpus.write(name, "word\(i) shared\n") }
    let index = corpus.path + "/index"
    let writer = try IndexWriter(directory: index)
    var summary = try writer.update(roots: [corpus.path + "/c"])
    XCTAssertEqual([summary.added, summary.changed, summary.deleted, summary.unchanged], [names.count, 0, 0, 0])
    summary = try writer.update(roots: [corpus.path + "/c"])
    XCTAssertEqual([summary.added, summary.changed, summary.deleted, summary.unchanged], [0, 0, 0, names.count])
    try corpus.write("c/d.txt", "word2 changed\n")
    try corpus.remove("c/d/e/f.txt")
    summary = try writer.update(roots: [corpus.path + "/c"])
    XCTAssertEqual([summary.added, summary.changed, summary.deleted, summary.unchanged], [0, 1, 1, names.count - 2])
    XCTAssertEqual(try search(index, "shared").count, names.count - 2)
  }

  /// A query of filters alone lists the passages that pass in index order, across
  /// segments, up to k (a first segment holding more passing passages than the re-ranking
  /// depth crashed it).
  func testFiltersAloneListPassagesAcrossSegments() throws {
    let corpus = try TemporaryDirectory()
    let index = corpus.path + "/index"
    for (batch, prefix) in ["a", "b"].enumerated() {
      for f in 0..<12 {
        let words = (0..<12).map { "\(prefix)\(f)w\($0)" }.joined(separator: " ")
        try corpus.write("c/\(prefix)\(String(format: "%02d", f)).txt", "\(words)\n")
      }
      _ = try IndexWriter(directory: index).update(roots: [corpus.path + "/c"])
      XCTAssertEqual(try IndexReader(directory: index).manifest.segments.count, batch + 1)
    }
    func names(_ query: String, k: Int) throws -> [String] {
      try search(index, query, k: k).map { String($0.path.split(separator: "/").last!) }
    }
    XCTAssertEqual(
      try names("path:*.txt", k: 15),
      (0..<12).map { "a" + String(format: "%02d", $0) + ".txt" } + (0..<3).map { "b0\($0).txt" })
    // Ten candidates (the re-ranking depth) fill up in the first segment.
    XCTAssertEqual(try names("path:*.txt", k: 5), (0..<5).map { "a0\($0).txt" })
    XCTAssertEqual(try names("path:b*", k: 2), ["b00.txt", "b01.txt"])
  }

  func testMergeKeepsSearchResults() throws {
    let corpus = try TemporaryDirectory()
    let index = corpus.path + "/index"
    let root = corpus.path + "/c"
    let writer = try IndexWriter(directory: index)
    for i in 0..<IndexWriter.maxSegments {
      // Distinct words per file, so that no two passages are near-duplicates.
      let own = (0..<4).map { "w\(i)x\($0)" }.joined(separator: " ")
      try corpus.write("c/f\(i).txt", "common \(own) 芯片 " + String(repeating: "filler ", count: i) + "\n")
      _ = try writer.update(roots: [root])
    }
    try corpus.write("c/f3.txt", "replaced 芯片 common\n")
    _ = try writer.update(roots: [root])
    XCTAssertEqual(try IndexReader(directory: index).manifest.segments.count, IndexWriter.maxSegments)
    XCTAssertEqual(try search(index, "common 芯片").count, 10)
    try corpus.write("c/last.txt", "unrelated\n")
    _ = try writer.update(roots: [root])
    // Eleven segments: the two smallest were merged, at the postings level.
    let merged = try IndexReader(directory: index)
    XCTAssertEqual(merged.manifest.segments.count, IndexWriter.maxSegments)
    XCTAssertTrue(merged.manifest.segments.allSatisfy { $0.deleted.isEmpty })
    XCTAssertTrue(merged.manifest.segments.last?.name.hasSuffix("m") ?? false)
    XCTAssertEqual(merged.manifest.segments.last?.passageCount, 2)
    XCTAssertEqual(try Checker.check(directory: index).passages, 11)
    // The merged index answers exactly as an index built in one go from the same files.
    let fresh = corpus.path + "/fresh"
    _ = try IndexWriter(directory: fresh).update(roots: [root])
    for query in ["common 芯片", "replaced filler", "unrelated", "w7x2 w3x1"] {
      XCTAssertEqual(try search(index, query), try search(fresh, query), query)
    }
    let files = try FileManager.default.contentsOfDirectory(atPath: index).filter { $0.hasSuffix(".terms") }.sorted()
    XCTAssertEqual(files, merged.manifest.segments.map { $0.name + ".terms" }.sorted(), "superseded segments are removed")
  }

  func testFlippedByteInEachFileKindIsReportedAsCorrupt() throws {
    for kind in ["terms", "postings", "lengths", "passages", "MANIFEST"] {
      let index = try indexed(["a.txt": "华为昇腾 910B 芯片 and some English words\n"])
      let path = kind == "MANIFEST" ? index + "/MANIFEST" : index + "/s1." + kind
      try flipByte(in: path)
      XCTAssertThrowsError(try search(index, "昇腾"), kind) { error in
        let error = error as? AISearchError
        XCTAssertEqual(error?.code, .corrupt, kind)
        XCTAssertEqual(error?.path, path, kind)
        XCTAssertTrue(error?.message.contains("aisearch index --rebuild") ?? false, kind)
      }
    }
  }

  func testSecondWriterIsRefusedWithTheHoldersPID() throws {
    let corpus = try TemporaryDirectory()
    let index = corpus.path + "/index"
    let first = try IndexWriter(directory: index)
    XCTAssertThrowsError(try IndexWriter(directory: index)) { error in
      XCTAssertEqual((error as? AISearchError)?.code, .locked)
      XCTAssertTrue((error as? AISearchError)?.message.contains("locked by PID \(getpid())") ?? false)
    }
    _ = first
  }

  /// Analysis threads beyond the cap are not started (each holds an analyzer).
  func testWorkerCountIsCapped() throws {
    let directory = try TemporaryDirectory()
    let cores = ProcessInfo.processInfo.activeProcessorCount
    XCTAssertEqual(try IndexWriter(directory: directory.path + "/a", workers: 20_000).workers, IndexWriter.maxWorkers(cores: cores))
    XCTAssertEqual(IndexWriter.maxWorkers(cores: 2), 64)
    XCTAssertEqual(IndexWriter.maxWorkers(cores: 128), 128)
    XCTAssertEqual(try IndexWriter(directory: directory.path + "/b", workers: 3).workers, 3)
  }

  func testBinaryAndEmptyFiles() throws {
    let corpus = try TemporaryDirectory()
    try corpus.write("c/empty.txt", "")
    try corpus.write("c/data", Data([0x7F, 0x45, 0x4C, 0x46, 0, 0, 1, 2]))
    try corpus.write("c/ok.txt", "text\n")
    let summary = try IndexWriter(directory: corpus.path + "/index").update(roots: [corpus.path + "/c"])
    XCTAssertEqual(summary.files, 2)
    XCTAssertEqual(summary.passages, 1)
    XCTAssertEqual(summary.skipped.map(\.reason), ["binary file"])
  }

  /// A file larger than an eighth of the RAM budget is skipped, said so, and what it held
  /// before it grew leaves the index.
  func testFilesTooLargeForTheBudgetAreSkipped() throws {
    let corpus = try TemporaryDirectory()
    let index = corpus.path + "/index"
    try corpus.write("c/log.txt", "昇腾 910C 量产\n")
    try corpus.write("c/ok.txt", "华为 芯片\n")
    // --ram-mb 1: at most 128 KiB per file.
    let first = try IndexWriter(directory: index, ramBudgetMB: 1).update(roots: [corpus.path + "/c"])
    XCTAssertEqual(first.files, 2)
    XCTAssertEqual(try Searcher(index: IndexReader(directory: index)).search("昇腾", k: 5).hits.count, 1)
    try corpus.write("c/log.txt", String(repeating: "昇腾 910C 量产 训练成本\n", count: 5_000))
    let second = try IndexWriter(directory: index, ramBudgetMB: 1).update(roots: [corpus.path + "/c"])
    XCTAssertEqual(second.deleted, 1)
    XCTAssertEqual(second.skipped.map(\.path), [corpus.path + "/c/log.txt"])
    XCTAssertEqual(second.skipped.map(\.reason), ["too large to index (0.2 MB; at most 0.1 MB, an eighth of --ram-mb 1)"])
    XCTAssertEqual(try Searcher(index: IndexReader(directory: index)).search("昇腾", k: 5).hits.count, 0)
    XCTAssertEqual(try Searcher(index: IndexReader(directory: index)).search("华为", k: 5).hits.count, 1)
    // With room for it, it is indexed.
    let third = try IndexWriter(directory: index, ramBudgetMB: 8).update(roots: [corpus.path + "/c"])
    XCTAssertEqual(third.skipped.count, 0)
    XCTAssertEqual(third.added, 1)
  }
}

final class ParallelIndexTests: XCTestCase {
  /// One worker or several: byte-identical index files, hence identical search results.
  func testWorkerCountDoesNotChangeTheIndex() throws {
    let corpus = try TemporaryDirectory()
    for f in 0..<40 {
      let text = (0..<3).map { p in "文件\(f)第\(p)段：华为昇腾芯片 model-\(f % 7) \(String(repeating: "测试文本 words ", count: f % 9 + 1))" }
      try corpus.write("c/\(f % 4)/f\(f).md", "# 标题 \(f)\n\n" + text.joined(separator: "\n\n") + "\n")
    }
    let one = corpus.path + "/one"
    let many = corpus.path + "/many"
    _ = try IndexWriter(directory: one, workers: 1).update(roots: [corpus.path + "/c"])
    _ = try IndexWriter(directory: many, workers: 3).update(roots: [corpus.path + "/c"])
    for name in ["MANIFEST", "s1.terms", "s1.postings", "s1.lengths", "s1.passages"] {
      XCTAssertEqual(
        try Data(contentsOf: URL(fileURLWithPath: one + "/" + name)),
        try Data(contentsOf: URL(fileURLWithPath: many + "/" + name)), name)
    }
    let query = "华为 芯片 model-3"
    XCTAssertEqual(
      try Searcher(index: IndexReader(directory: one)).search(query, k: 10),
      try Searcher(index: IndexReader(directory: many)).search(query, k: 10))
  }

  /// Where a small budget cuts segments depends only on what was added: one worker or
  /// three, twice each, the same segments with the same bytes in every file. (Cuts made
  /// on malloc's capacities differed only at scale: scripts/determinism.sh shows those.)
  func testSegmentCutsDoNotDependOnWorkersOrRun() throws {
    let corpus = try TemporaryDirectory()
    for f in 0..<48 {
      let words = (0..<(40 + 17 * (f % 5))).map { "t\(f)w\($0 % 23) 词\($0 % 11)" }.joined(separator: " ")
      try corpus.write("c/f\(String(format: "%02d", f)).txt", "昇腾 file\(f) \(words)\n\n第二段 \(f)\n")
    }
    var builds: [[String: Data]] = []
    for (run, workers) in [1, 3, 1, 3].enumerated() {
      let directory = corpus.path + "/i\(run)"
      let writer = try IndexWriter(directory: directory, workers: workers, ramBudgetMB: 1)
      writer.ramBudget = 96 << 10
      _ = try writer.update(roots: [corpus.path + "/c"])
      var files: [String: Data] = [:]
      for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name != "LOCK" {
        files[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
      }
      builds.append(files)
    }
    XCTAssertGreaterThan(try Manifest.read(directory: corpus.path + "/i0")!.segments.count, 2)
    for run in 1..<builds.count {
      XCTAssertEqual(builds[run].keys.sorted(), builds[0].keys.sorted(), "run \(run)")
      for (name, bytes) in builds[0] { XCTAssertEqual(builds[run][name], bytes, "run \(run): \(name)") }
    }
  }

  /// Names compare by their UTF-8 bytes: a prefix first, "é" (C3 A9) after "z", a composed
  /// "é" apart from "e" + U+0301, as the generic comparison of the UTF-8 views orders them.
  func testNamesCompareByBytes() {
    let names = ["", "a", "a/b", "a.txt", "a0", "ab", "z", "é", "e\u{301}", "华为", "華為", "d/x", "d-x", "d0"]
    for a in names {
      for b in names {
        let expected = a.utf8.elementsEqual(b.utf8) ? 0 : (a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1)
        XCTAssertEqual(FileSystem.compareNames(a, b).signum(), expected, "\(a) \(b)")
      }
    }
    XCTAssertNotEqual(FileSystem.compareNames("é", "e\u{301}"), 0)
    XCTAssertLessThan(FileSystem.compareNames("z", "é"), 0)
  }

  /// A file name's words for the title field: the last extension dropped (not a leading
  /// dot), dots, underscores and hyphens as spaces.
  func testFileNameWords() {
    let cases = [
      ("man1/du.1.txt", "du 1"), ("docs/deep-seek_r1.md", "deep seek r1"), ("目录/华为.昇腾.txt", "华为 昇腾"),
      ("home/.bashrc", " bashrc"), ("a/b/c", "c"), ("x/a.", "a"), ("a/b/", "b"), ("a", "a"), ("", ""), ("/", ""),
    ]
    XCTAssertEqual(cases.map { Field.fileNameWords($0.0) }, cases.map(\.1))
  }

  /// The capacities the flush estimates assume: an array that doubles as it grows.
  func testGrownCapacity() {
    XCTAssertEqual([0, 1, 2, 3, 4, 5, 8, 9, 1000, 1024, 1025].map(grownCapacity), [0, 1, 2, 4, 4, 8, 8, 16, 1024, 1024, 2048])
  }

  /// The inverter's postings are those of grouping every token by its term's bytes, per
  /// passage in position order: documents of analyzed lines (Han runs whose bigrams come
  /// after the run's words, compounds, hyphen chains), titles shared and changed between
  /// passages, empty passages.
  func testInverterGroupsTokensByTerm() throws {
    let analyzer = try Analyzer()
    var generator = PruningTests.SplitMix(state: 5)
    let lines = LineTokenCacheTests.lines
    for round in 0..<200 {
      let passageCount = Int(generator.next() % 6) + 1
      var bodies: [TermList] = []
      var titles: [TermList?] = []
      var inverter = SegmentWriter.Inverter(Document(path: "d\(round).txt", passages: []))
      var currentTitle = TermList()
      for p in 0..<passageCount {
        let text = (0..<Int(generator.next() % 4)).map { _ in lines[Int(generator.next() % UInt64(lines.count))] }
          .joined(separator: "\n")
        try analyzer.analyzeTerms(text)
        let body = analyzer.terms
        var title: TermList? = nil
        if p == 0 || generator.next() % 3 == 0 {
          try analyzer.analyzeTerms(lines[Int(generator.next() % UInt64(lines.count))] + "\nd \(round)")
          title = analyzer.terms
          currentTitle = analyzer.terms
        }
        inverter.addPassage(body: body, title: title)
        bodies.append(body)
        titles.append(currentTitle)
      }
      let document = inverter.finish()
      // The reference: a dictionary from each term's bytes to its (passage, position) list.
      var expected: [[UInt8]: [(passage: UInt32, position: Int32)]] = [:]
      var expectedSignatures: [UInt16] = []
      for p in 0..<passageCount {
        var bodyHashes: Set<UInt64> = []
        for (list, prefix) in [(bodies[p], [UInt8]()), (titles[p]!, [Field.titlePrefixByte])] {
          for entry in list.entries {
            let term = prefix + list.bytes[Int(entry.byteStart)..<Int(entry.byteStart + entry.byteCount)]
            expected[term, default: []].append((UInt32(p), entry.position))
            if prefix.isEmpty { bodyHashes.insert(term.reduce(TermTable.fnvBasis, TermTable.fnv)) }
          }
        }
        expectedSignatures.append(CopySignature.of(termHashes: bodyHashes))
      }
      XCTAssertEqual(document.termCount, expected.count, "round \(round)")
      XCTAssertEqual(document.bodyLengths, bodies.map { UInt32($0.entries.count) })
      XCTAssertEqual(document.titleLengths, titles.map { UInt32($0!.entries.count) })
      XCTAssertEqual(document.signatures, expectedSignatures)
      for j in 0..<document.termCount {
        let term = Array(document.terms.bytes(of: j))
        XCTAssertEqual(document.terms.hash(of: j), term.reduce(TermTable.fnvBasis, TermTable.fnv))
        guard let occurrences = expected[term] else { return XCTFail("round \(round): unexpected term \(term)") }
        let passages = Array(Set(occurrences.map(\.passage))).sorted()
        var encoder = PostingsEncoder()
        for passage in passages {
          encoder.add(doc: passage, positions: occurrences.filter { $0.passage == passage }.map(\.position).sorted())
        }
        // The stream without the first passage's id, which the writer adds.
        var reference = ByteWriter()
        reference.varint(UInt64(passages[0]))
        let stream = Array(document.streams[Int(document.streamStarts[j])..<Int(document.streamStarts[j + 1])])
        XCTAssertEqual(document.firsts[j], passages[0])
        XCTAssertEqual(document.lasts[j], passages.last!)
        XCTAssertEqual(document.counts[j], UInt32(passages.count))
        XCTAssertEqual(Array(encoder.bytes.dropFirst(reference.count)), stream, "round \(round), term \(String(decoding: term, as: UTF8.self))")
      }
    }
  }

  /// A term's positions in a passage come out ascending even when its tokens do not (a Han
  /// run's bigrams are emitted after its words).
  func testInverterSortsATermsPositions() {
    var body = TermList()
    for (term, position) in [("华为", Int32(5)), ("芯片", 6), ("华为", 2), ("华为", 9)] {
      let start = body.bytes.count
      body.bytes.append(contentsOf: Array(term.utf8))
      body.endTerm(from: start, position: position, start: 0, end: 0)
    }
    var inverter = SegmentWriter.Inverter(Document(path: "a.txt"))
    inverter.addPassage(body: body, title: TermList())
    let document = inverter.finish()
    XCTAssertEqual(document.termCount, 2)
    XCTAssertEqual(Array(document.terms.bytes(of: 0)), Array("华为".utf8))
    // Freq 3, then the deltas of 2, 5, 9.
    XCTAssertEqual(Array(document.streams[0..<Int(document.streamStarts[1])]), [3, 2, 3, 4])
  }

  /// Workers wait when the files claimed and not yet added fill the window, and a file
  /// larger than the window is claimed alone: with a 600-byte window over files of 40 to
  /// 2,400 bytes (and empty ones), three workers still write what one writes.
  func testAnalysisWindowSmallerThanTheFiles() throws {
    let corpus = try TemporaryDirectory()
    for f in 0..<30 {
      let body = f % 5 == 4 ? "" : String(repeating: "第\(f)段 昇腾芯片 window-\(f % 3) 测试 ", count: [1, 8, 60, 3][f % 4]) + "\n"
      try corpus.write("c/f\(String(format: "%02d", f)).txt", body)
    }
    let one = corpus.path + "/one"
    let many = corpus.path + "/many"
    _ = try IndexWriter(directory: one, workers: 1).update(roots: [corpus.path + "/c"])
    let writer = try IndexWriter(directory: many, workers: 3)
    writer.analysisWindowBytes = 600
    let summary = try writer.update(roots: [corpus.path + "/c"])
    XCTAssertEqual(summary.added, 30)
    for name in ["MANIFEST", "s1.terms", "s1.postings", "s1.lengths", "s1.passages"] {
      XCTAssertEqual(
        try Data(contentsOf: URL(fileURLWithPath: one + "/" + name)),
        try Data(contentsOf: URL(fileURLWithPath: many + "/" + name)), name)
    }
  }
}

final class MergerTests: XCTestCase {
  /// Segments with deletions merged into one are byte for byte the segment a fresh build of
  /// the same files writes: same passage order, same postings, no tombstones. The files
  /// sit in two directories, so that document order (`DocumentOrder`) is not path order.
  func testFullMergeEqualsAFreshBuild() throws {
    let corpus = try TemporaryDirectory()
    let index = corpus.path + "/index"
    let root = corpus.path + "/c"
    let writer = try IndexWriter(directory: index)
    for round in 0..<4 {
      for f in 0..<6 where (f + round) % 3 != 0 {
        try corpus.write(
          "c/v\(f % 2)/f\(f).md", "# 第\(f)篇\n\n华为昇腾 round\(round) file\(f) " + String(repeating: "芯片 ", count: f + 1) + "\n")
      }
      if round == 2 { try corpus.remove("c/v1/f1.md") }
      _ = try writer.update(roots: [root])
    }
    let manifest = try XCTUnwrap(try Manifest.read(directory: index))
    XCTAssertGreaterThan(manifest.segments.count, 1)
    XCTAssertTrue(manifest.segments.contains { !$0.deleted.isEmpty })
    let merged = try Merger.merge(
      manifest, segments: Array(manifest.segments.indices), directory: index, name: "full")
    XCTAssertEqual(merged.segments.map(\.name), ["full"])
    try merged.write(directory: index)
    _ = try Checker.check(directory: index)

    let fresh = corpus.path + "/fresh"
    _ = try IndexWriter(directory: fresh).update(roots: [root])
    for ext in ["terms", "postings", "lengths", "passages"] {
      XCTAssertEqual(
        try Data(contentsOf: URL(fileURLWithPath: index + "/full." + ext)),
        try Data(contentsOf: URL(fileURLWithPath: fresh + "/s1." + ext)), ext)
    }
  }

  func testPolicyMergesTheSmallestSegments() {
    var manifest = Manifest()
    manifest.segments = [500, 3, 80, 7, 1000, 2].enumerated().map {
      Manifest.Segment(name: "s\($0.offset)", passageCount: UInt32($0.element), tokenCount: 0, deleted: [])
    }
    XCTAssertEqual(Merger.plan(manifest, maxSegments: 6), [])
    XCTAssertEqual(Merger.plan(manifest, maxSegments: 5), [1, 5])
    XCTAssertEqual(Merger.plan(manifest, maxSegments: 4), [1, 3, 5])
    // More than half deleted: rewritten even alone.
    manifest.segments[4].deleted = Set(0..<600)
    XCTAssertEqual(Merger.plan(manifest, maxSegments: 6), [4])
  }
}

final class RAMBudgetTests: XCTestCase {
  /// A budget smaller than the corpus flushes several segments within one commit; the index
  /// answers as one built in a single segment.
  func testSmallBudgetFlushesSegmentsInOneCommit() throws {
    let corpus = try TemporaryDirectory()
    for f in 0..<60 {
      // Mostly words of its own (no two files are near-duplicates), a few shared ones.
      let words = (0..<200).map { $0 % 20 == 0 ? "w\($0 + f % 3)" : "f\(f)w\($0)" }.joined(separator: " ")
      try corpus.write("c/f\(String(format: "%02d", f)).txt", "华为昇腾 file\(f) \(words)\n")
    }
    let small = corpus.path + "/small"
    let writer = try IndexWriter(directory: small, workers: 2, ramBudgetMB: 1)
    writer.ramBudget = 24 << 10  // bytes: the corpus takes about 150 KiB
    let summary = try writer.update(roots: [corpus.path + "/c"])
    XCTAssertTrue(summary.committed)
    let manifest = try XCTUnwrap(try Manifest.read(directory: small))
    XCTAssertEqual(manifest.generation, 1)
    // About one segment per file was flushed, each too large to merge within the tiny budget.
    XCTAssertGreaterThan(manifest.segments.count, IndexWriter.maxSegments)
    XCTAssertTrue(manifest.segments.allSatisfy { $0.name.hasPrefix("s1") })
    XCTAssertEqual(try Checker.check(directory: small).passages, 120)  // each file is one line cut in two
    let large = corpus.path + "/large"
    _ = try IndexWriter(directory: large).update(roots: [corpus.path + "/c"])
    XCTAssertEqual(try IndexReader(directory: large).manifest.segments.count, 1)
    // Same passages with the same scores; equal scores may come in another order, as ties
    // are broken by position in the index.
    func answer(_ directory: String, _ query: String) throws -> [String] {
      try Searcher(index: IndexReader(directory: directory)).search(query, k: 100).hits
        .map { "\($0.path) \(JSON.number($0.score))" }.sorted()
    }
    for query in ["华为 w41", "file7 f7w33 w100", "昇腾"] {
      XCTAssertEqual(try answer(small, query), try answer(large, query), query)
    }
  }
}

final class FileTableBudgetTests: XCTestCase {
  /// The budget pays for the file lists first: the same documents beside 5,000 empty files
  /// (no passages, only paths, about 1.2 MB of file lists) leave the segment a quarter of
  /// the budget, less than the postings pool's first 1 MB page, so it is cut at every file.
  func testFileListsShrinkTheSegmentBudget() throws {
    let corpus = try TemporaryDirectory()
    for f in 0..<30 {
      let words = (0..<150).map { "f\(f)w\($0) 词\($0 % 13)" }.joined(separator: " ")
      try corpus.write("c/docs/f\(String(format: "%02d", f)).txt", "昇腾 \(words)\n")
    }
    for f in 0..<5000 { try corpus.write("c/empty/e\(String(format: "%04d", f))-with-a-long-name.txt", "") }
    func segments(_ root: String) throws -> Int {
      let directory = corpus.path + "/index-" + root.replacingOccurrences(of: "/", with: "-")
      let writer = try IndexWriter(directory: directory, workers: 1, ramBudgetMB: 1)
      writer.ramBudget = 2 << 20
      _ = try writer.update(roots: [corpus.path + "/" + root])
      return try XCTUnwrap(try Manifest.read(directory: directory)).segments.count
    }
    let alone = try segments("c/docs")
    let besideEmptyFiles = try segments("c")
    XCTAssertGreaterThan(alone, 1)
    XCTAssertGreaterThan(besideEmptyFiles, alone)
  }
}

final class SegmentLayoutTests: XCTestCase {
  /// idf must not depend on where segments were cut: here "zeta" is a title word in one
  /// file and a body word in the other, so one segment counts one passage for each field
  /// and two segments would count two if each segment's larger field count were summed.
  func testScoresDoNotDependOnSegmentLayout() throws {
    let corpus = try TemporaryDirectory()
    try corpus.write("c/a.md", "---\ntitle: zeta\n---\nalpha beta gamma delta\n")
    try corpus.write("c/b.md", "epsilon zeta eta theta\n")
    for f in 0..<8 { try corpus.write("c/filler\(f).txt", "filler words number \(f) iota kappa\n") }
    let split = corpus.path + "/split"
    let writer = try IndexWriter(directory: split, workers: 1, ramBudgetMB: 1)
    writer.ramBudget = 1  // every file is a segment of its own
    _ = try writer.update(roots: [corpus.path + "/c"])
    XCTAssertEqual(try IndexReader(directory: split).manifest.segments.count, 10)
    let whole = corpus.path + "/whole"
    _ = try IndexWriter(directory: whole).update(roots: [corpus.path + "/c"])
    XCTAssertEqual(try IndexReader(directory: whole).manifest.segments.count, 1)
    func answer(_ directory: String) throws -> [String] {
      try Searcher(index: IndexReader(directory: directory)).search("zeta", k: 10).hits
        .map { "\($0.path) \(JSON.number($0.score))" }
    }
    let hits = try answer(whole)
    XCTAssertEqual(hits.count, 2)
    XCTAssertEqual(try answer(split), hits)
  }
}

final class MergePolicyMemoryTests: XCTestCase {
  /// Segments too large to merge within the memory allowed are left alone.
  func testMergesStayWithinTheirTokenAllowance() {
    var manifest = Manifest()
    manifest.segments = [100, 100, 100, 5, 3].enumerated().map {
      Manifest.Segment(name: "s\($0.offset)", passageCount: UInt32($0.element), tokenCount: UInt64($0.element * 10), deleted: [])
    }
    XCTAssertEqual(Merger.plan(manifest, maxSegments: 2), [0, 1, 3, 4])
    XCTAssertEqual(Merger.plan(manifest, maxSegments: 2, maxTokens: 1000), [3, 4])
    XCTAssertEqual(Merger.plan(manifest, maxSegments: 2, maxTokens: 50), [])
  }
}

final class DocumentOrderTests: XCTestCase {
  /// By file name, then by the directories from the innermost out; a shorter name or
  /// directory before a longer one it begins.
  func testOrderIsByNameThenDirectoriesInnermostFirst() {
    let paths = ["v2/docs/a.md", "v1/docs/b.md", "v1/docs/a.md", "v1/guide/a.md", "a.md", "v1/docs/a.md.txt", "v10/docs/a.md"]
    XCTAssertEqual(
      DocumentOrder.sorted(paths).map { paths[$0] },
      ["a.md", "v1/docs/a.md", "v10/docs/a.md", "v2/docs/a.md", "v1/guide/a.md", "v1/docs/a.md.txt", "v1/docs/b.md"])
    XCTAssertEqual(DocumentOrder.key("v1/docs/a.md"), Array("a.md\0docs\0v1\0".utf8))
  }

  /// A build adds copies of a file under different roots side by side: their passages
  /// take consecutive ids.
  func testCopiesOfAFileTakeConsecutivePassages() throws {
    let corpus = try TemporaryDirectory()
    for version in ["v1", "v2", "v3"] {
      try corpus.write("c/\(version)/docs/install.md", "# Install\n\napt install aisearch \(version)\n")
      try corpus.write("c/\(version)/docs/usage.md", "# Usage\n\naisearch 昇腾 \(version)\n")
    }
    let index = corpus.path + "/index"
    _ = try IndexWriter(directory: index).update(roots: [corpus.path + "/c"])
    let manifest = try XCTUnwrap(try Manifest.read(directory: index))
    let byPassage = manifest.files.sorted { ($0.segment, $0.firstPassage) < ($1.segment, $1.firstPassage) }
    let prefix = corpus.path + "/c/"
    XCTAssertEqual(
      byPassage.map { String($0.path.dropFirst(prefix.count)) },
      ["v1/docs/install.md", "v2/docs/install.md", "v3/docs/install.md", "v1/docs/usage.md", "v2/docs/usage.md", "v3/docs/usage.md"])
    // The manifest itself stays in path order: it is looked up by path.
    XCTAssertEqual(manifest.files.map(\.path), manifest.files.map(\.path).sorted())
  }
}
