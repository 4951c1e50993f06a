/// Answers queries against an open index: analyze, score every matching passage with BM25,
/// keep the best k, fetch their stored text and citation, mark the matches.
///
/// Ranking is BM25 times the passage's idf-weighted coverage of the query: the share of the
/// query's total idf carried by the terms the passage holds. A plain BM25 sum lets a
/// passage that repeats one common query word beat one that holds the rarest word too
/// (on the seeds, "昇腾 910C" put five passages about 昇腾 alone above the one about the
/// 910C); coverage keeps BM25's order among passages that match the same terms and ranks
/// passages that match more of the query's information first.
///
/// The best candidates are then re-ranked with phrase and proximity evidence from the
/// terms' positions (`Proximity`).
///
/// A `Searcher` owns an analyzer (an ICU iterator), so use one per thread.
public final class Searcher {
  public let index: IndexReader
  public var bm25 = BM25()
  var proximity = Proximity()
  private let analyzer: Analyzer

  public init(index: IndexReader) throws {
    self.index = index
    analyzer = try Analyzer(folding: index.manifest.folding)
  }

  /// Candidates re-ranked with positions: enough that proximity can lift a passage from
  /// well below the top k.
  static let rerankDepth = 100

  /// The top `k` passages for `query`, best first, and whether any of them is a confident
  /// answer; no hits when nothing matches.
  public func search(_ query: String, k: Int) throws -> SearchResult {
    let plan = try QueryPlan(query, analyzer: analyzer) { term in
      let bytes = Array(term.utf8)
      return try index.segments.contains { try $0.terms.lookup(bytes) != nil }
    }
    guard !plan.terms.isEmpty, k > 0, index.passageCount > 0 else { return SearchResult(hits: [], confident: false) }
    let averageLength = Double(index.tokenCount) / Double(index.passageCount)
    let averageTitleLength = Double(index.titleTokenCount) / Double(index.passageCount)
    var scores = index.segments.map { _ in [Double]() }
    var covered = index.segments.map { _ in [Double]() }
    var matched: [(segment: Int, doc: UInt32)] = []
    var idf: [Double] = []
    var totalIDF = 0.0
    var missingWord = false

    for term in plan.terms {
      var postings: [(segment: Int, doc: UInt32, tf: Int, titleTF: Int)] = []
      for (s, segment) in index.segments.enumerated() {
        try collectPostings(term.text, segment) { postings.append((s, $0, $1, $2)) }
      }
      let termIDF = bm25.idf(passages: index.passageCount, containing: postings.count)
      if postings.isEmpty, let first = term.text.unicodeScalars.first, !HanRun.isHan(first.value) {
        missingWord = true
      }
      idf.append(termIDF)
      let weight = Double(term.count)
      totalIDF += weight * termIDF
      for posting in postings {
        if scores[posting.segment].isEmpty {
          scores[posting.segment] = [Double](repeating: 0, count: index.segments[posting.segment].passageCount)
          covered[posting.segment] = scores[posting.segment]
        }
        if scores[posting.segment][Int(posting.doc)] == 0 { matched.append((posting.segment, posting.doc)) }
        covered[posting.segment][Int(posting.doc)] += weight * termIDF
        let lengths = index.segments[posting.segment].lengths
        let body = FieldStatistics(tf: posting.tf, length: Int(lengths[Int(posting.doc)]), averageLength: averageLength)
        let title = FieldStatistics(
          tf: posting.titleTF, length: Int(lengths.title(Int(posting.doc))), averageLength: averageTitleLength)
        scores[posting.segment][Int(posting.doc)] += weight * bm25.score(body: body, title: title, idf: termIDF)
      }
    }

    var candidates = matched.map { entry -> Candidate in
      let coverage = covered[entry.segment][Int(entry.doc)] / totalIDF
      return Candidate(
        segment: entry.segment, doc: entry.doc, coverage: coverage,
        score: scores[entry.segment][Int(entry.doc)] * coverage)
    }
    // Scattered characters of a stretch score for the first ranking only, so candidates
    // go deeper when the query has stretches.
    let depth = plan.stretches.isEmpty ? Searcher.rerankDepth : 10 * Searcher.rerankDepth
    candidates = Searcher.best(candidates, max(depth, k))
    let positions = try candidatePositions(plan, candidates)
    for i in candidates.indices {
      let unmet = unmetStretchIDF(plan, body: positions.body[i], title: positions.title[i], idf: idf)
      if unmet > 0 {
        let coverage = max(0, candidates[i].coverage - unmet / totalIDF)
        candidates[i].score = coverage > 1e-9 ? candidates[i].score * coverage / candidates[i].coverage : 0
        candidates[i].coverage = coverage
      }
      let features = proximity.features(plan, positions: positions.body[i], idf: idf)
      candidates[i].score *= 1 + proximity.phraseWeight * features.phrase + proximity.closenessWeight * features.closeness
    }
    candidates.removeAll { $0.score <= 0 }
    let ranked = candidates.sorted(by: Candidate.ranksBefore)
    let termSet = Set(plan.terms.map(\.text))
    var hits: [Hit] = []
    var hitTerms: [[UInt64]] = []
    // Once k hits are found, the next few candidates are still read, to cite copies of them.
    var lookahead = 2 * k
    for entry in ranked {
      if hits.count == k {
        if lookahead == 0 { break }
        lookahead -= 1
      }
      let store = index.segments[entry.segment].store
      let passage = try store.passage(Int(entry.doc))
      let document = try store.document(passage.document)
      let tokens = try analyzer.analyze(passage.text)
      let terms = Searcher.termFingerprints(tokens)
      if let original = hitTerms.firstIndex(where: { Searcher.nearDuplicate($0, terms) }) {
        hits[original].duplicates.append(
          Hit.Citation(path: document.path, lineStart: passage.lineStart, lineEnd: passage.lineEnd))
        continue
      }
      if hits.count == k { continue }
      hitTerms.append(terms)
      hits.append(
        Hit(
          rank: hits.count + 1, score: entry.score, path: document.path, lineStart: passage.lineStart,
          lineEnd: passage.lineEnd, title: document.title, url: document.url, date: document.date,
          text: passage.text, highlights: Highlighter.highlights(tokens, terms: termSet),
          match: entry.coverage >= Searcher.fullCoverage ? .full : .partial))
    }
    let confident = !missingWord && (ranked.first.map { $0.coverage >= Searcher.confidentCoverage } ?? false)
    return SearchResult(hits: hits, confident: confident)
  }

  /// Passages whose term sets overlap this much (Jaccard) are copies of one text: seed 000
  /// repeats each paragraph as a lightly edited transcript inside <details>, and mirrored
  /// documentation repeats pages. The best-ranked copy is shown; the others become its
  /// `duplicates`.
  static let duplicateSimilarity = 0.6

  /// A passage's distinct terms as sorted 64-bit hashes (FNV-1a of the UTF-8), so that
  /// comparing two passages is a merge of integer arrays, not of String sets.
  static func termFingerprints(_ tokens: [Token]) -> [UInt64] {
    var hashes = tokens.map { token -> UInt64 in
      var hash: UInt64 = 0xcbf2_9ce4_8422_2325
      for byte in token.term.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
      return hash
    }
    hashes.sort()
    var distinct: [UInt64] = []
    distinct.reserveCapacity(hashes.count)
    for hash in hashes where distinct.last != hash { distinct.append(hash) }
    return distinct
  }

  static func nearDuplicate(_ a: [UInt64], _ b: [UInt64]) -> Bool {
    var i = 0
    var j = 0
    var shared = 0
    while i < a.count && j < b.count {
      if a[i] == b[j] {
        shared += 1
        i += 1
        j += 1
      } else if a[i] < b[j] {
        i += 1
      } else {
        j += 1
      }
    }
    let union = a.count + b.count - shared
    return union > 0 && Double(shared) / Double(union) >= duplicateSimilarity
  }

  /// Coverage at or above which a passage holds the whole query (rounding aside).
  static let fullCoverage = 0.999
  /// An answer is confident when the best passage carries at least this share of the
  /// query's idf and no word of the query written in letters or digits is missing from the
  /// whole index (Han bigrams are exempt: a bigram spanning two words of a sentence-like
  /// query, such as 型低 in 模型低多少, is an artifact, not a missing word). Measured on the
  /// development queries (docs/analysis.md): answerable queries' best coverage was ≥ 0.30,
  /// no-answer queries' 0.18–0.48.
  static let confidentCoverage = 0.25

  /// The `count` best candidates, best first, without sorting them all: a bounded heap.
  private static func best(_ all: [Candidate], _ count: Int) -> [Candidate] {
    if all.count <= count { return all.sorted(by: Candidate.ranksBefore) }
    // A min-heap on rank: its root is the worst candidate kept so far.
    var heap: [Candidate] = []
    heap.reserveCapacity(count)
    func worse(_ a: Candidate, _ b: Candidate) -> Bool { Candidate.ranksBefore(b, a) }
    func siftDown(_ start: Int) {
      var i = start
      while true {
        let l = 2 * i + 1
        let r = l + 1
        var m = i
        if l < heap.count && worse(heap[l], heap[m]) { m = l }
        if r < heap.count && worse(heap[r], heap[m]) { m = r }
        if m == i { return }
        heap.swapAt(i, m)
        i = m
      }
    }
    for candidate in all {
      if heap.count < count {
        heap.append(candidate)
        var i = heap.count - 1
        while i > 0 && worse(heap[i], heap[(i - 1) / 2]) {
          heap.swapAt(i, (i - 1) / 2)
          i = (i - 1) / 2
        }
      } else if Candidate.ranksBefore(candidate, heap[0]) {
        heap[0] = candidate
        siftDown(0)
      }
    }
    return heap.sorted(by: Candidate.ranksBefore)
  }

  private struct Candidate {
    var segment: Int
    var doc: UInt32
    var coverage: Double
    var score: Double

    static func ranksBefore(_ a: Candidate, _ b: Candidate) -> Bool {
      a.score != b.score ? a.score > b.score : (a.segment, a.doc) < (b.segment, b.doc)
    }
  }

  /// The positions of every query term in every candidate, per field (a second walk over
  /// the query terms' postings, reading positions only where a candidate sits).
  private func candidatePositions(_ plan: QueryPlan, _ candidates: [Candidate]) throws
    -> (body: [Proximity.Positions], title: [Proximity.Positions])
  {
    let empty = [Proximity.Positions](repeating: [[Int32]](repeating: [], count: plan.terms.count), count: candidates.count)
    var body = empty
    var title = empty
    var bySegment: [Int: [UInt32: Int]] = [:]
    for (i, candidate) in candidates.enumerated() { bySegment[candidate.segment, default: [:]][candidate.doc] = i }
    for (s, docs) in bySegment {
      let segment = index.segments[s]
      for (t, term) in plan.terms.enumerated() {
        if var cursor = try segment.cursor(Array(term.text.utf8)) {
          while try cursor.next() {
            if let i = docs[cursor.doc] { body[i][t] = try cursor.positions() }
          }
        }
        if var cursor = try segment.cursor(Array((Field.titlePrefix + term.text).utf8)) {
          while try cursor.next() {
            if let i = docs[cursor.doc] { title[i][t] = try cursor.positions() }
          }
        }
      }
    }
    return (body, title)
  }

  /// The share of a stretch's idf a passage keeps when it holds the characters but not
  /// side by side. A stretch exists only where the index lacks the characters' bigram (补零,
  /// where the text says 填充零), so the characters never stand together as unknown words;
  /// a little credit lets such a query still find the character it shares with the text,
  /// while passages holding more of the query stay ahead. Measured in docs/analysis.md.
  static let scatteredStretchCredit = 0.25

  /// The idf the first ranking credited for stretches (runs of single query characters)
  /// whose characters the passage holds, but never side by side in one field, less the
  /// share such a passage keeps.
  private func unmetStretchIDF(
    _ plan: QueryPlan, body: Proximity.Positions, title: Proximity.Positions, idf: [Double]
  ) -> Double {
    var unmet = 0.0
    for stretch in plan.stretches {
      func contiguous(_ positions: Proximity.Positions) -> Bool {
        let base = stretch[0].position
        return positions[stretch[0].term].contains { start in
          stretch.allSatisfy { positions[$0.term].contains(start + $0.position - base) }
        }
      }
      if contiguous(body) || contiguous(title) { continue }
      for term in Set(stretch.map(\.term)) where !body[term].isEmpty || !title[term].isEmpty {
        unmet += idf[term] * (1 - Searcher.scatteredStretchCredit)
      }
    }
    return unmet
  }

  /// Calls `body(doc, bodyTF, titleTF)` for every live passage of `segment` holding `term`
  /// in either field, in passage order (a merge of the two fields' postings).
  private func collectPostings(_ term: String, _ segment: SegmentReader, _ body: (UInt32, Int, Int) -> Void) throws {
    var bodyCursor = try segment.cursor(Array(term.utf8))
    var titleCursor = try segment.cursor(Array((Field.titlePrefix + term).utf8))
    var inBody = try bodyCursor?.next() ?? false
    var inTitle = try titleCursor?.next() ?? false
    while inBody || inTitle {
      let bodyDoc = inBody ? bodyCursor!.doc : UInt32.max
      let titleDoc = inTitle ? titleCursor!.doc : UInt32.max
      let doc = min(bodyDoc, titleDoc)
      var bodyTF = 0
      var titleTF = 0
      if bodyDoc == doc {
        bodyTF = bodyCursor!.freq
        inBody = try bodyCursor!.next()
      }
      if titleDoc == doc {
        titleTF = titleCursor!.freq
        inTitle = try titleCursor!.next()
      }
      if !segment.deleted[Int(doc)] { body(doc, bodyTF, titleTF) }
    }
  }
}
