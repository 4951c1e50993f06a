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
/// A `Searcher` owns an analyzer (an ICU iterator), so use one per thread.
public final class Searcher {
  public let index: IndexReader
  public var bm25 = BM25()
  private let analyzer: Analyzer

  public init(index: IndexReader) throws {
    self.index = index
    analyzer = try Analyzer(folding: index.manifest.folding)
  }

  /// The query's terms with how often each occurs, in first-occurrence order.
  func queryTerms(_ query: String) throws -> [(term: String, count: Int)] {
    var order: [String] = []
    var counts: [String: Int] = [:]
    for term in try analyzer.terms(query) {
      if counts[term] == nil { order.append(term) }
      counts[term, default: 0] += 1
    }
    return order.map { ($0, counts[$0]!) }
  }

  /// The top `k` passages for `query`, best first; empty when nothing matches.
  public func search(_ query: String, k: Int) throws -> [Hit] {
    let terms = try queryTerms(query)
    guard !terms.isEmpty, k > 0, index.passageCount > 0 else { return [] }
    let averageLength = Double(index.tokenCount) / Double(index.passageCount)
    let averageTitleLength = Double(index.titleTokenCount) / Double(index.passageCount)
    var scores = index.segments.map { _ in [Double]() }
    var covered = index.segments.map { _ in [Double]() }
    var matched: [(segment: Int, doc: UInt32)] = []
    var totalIDF = 0.0

    for (term, count) in terms {
      var postings: [(segment: Int, doc: UInt32, tf: Int, titleTF: Int)] = []
      for (s, segment) in index.segments.enumerated() {
        try collectPostings(term, segment) { postings.append((s, $0, $1, $2)) }
      }
      let idf = bm25.idf(passages: index.passageCount, containing: postings.count)
      totalIDF += Double(count) * idf
      for posting in postings {
        if scores[posting.segment].isEmpty {
          scores[posting.segment] = [Double](repeating: 0, count: index.segments[posting.segment].passageCount)
          covered[posting.segment] = scores[posting.segment]
        }
        if scores[posting.segment][Int(posting.doc)] == 0 { matched.append((posting.segment, posting.doc)) }
        covered[posting.segment][Int(posting.doc)] += Double(count) * idf
        let lengths = index.segments[posting.segment].lengths
        let body = FieldStatistics(tf: posting.tf, length: Int(lengths[Int(posting.doc)]), averageLength: averageLength)
        let title = FieldStatistics(
          tf: posting.titleTF, length: Int(lengths.title(Int(posting.doc))), averageLength: averageTitleLength)
        scores[posting.segment][Int(posting.doc)] += Double(count) * bm25.score(body: body, title: title, idf: idf)
      }
    }

    let ranked = matched.map {
      let coverage = covered[$0.segment][Int($0.doc)] / totalIDF
      return (score: scores[$0.segment][Int($0.doc)] * coverage, segment: $0.segment, doc: $0.doc)
    }
      .sorted { a, b in
        a.score != b.score ? a.score > b.score : (a.segment, a.doc) < (b.segment, b.doc)
      }
      .prefix(k)
    let termSet = Set(terms.map(\.term))
    return try ranked.enumerated().map { rank, entry in
      let store = index.segments[entry.segment].store
      let passage = try store.passage(Int(entry.doc))
      let document = try store.document(passage.document)
      return Hit(
        rank: rank + 1, score: entry.score, path: document.path, lineStart: passage.lineStart,
        lineEnd: passage.lineEnd, title: document.title, url: document.url, date: document.date,
        text: passage.text,
        highlights: try Highlighter.highlights(text: passage.text, terms: termSet, analyzer: analyzer))
    }
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
