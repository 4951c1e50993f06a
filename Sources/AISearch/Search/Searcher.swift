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
    var scores = index.segments.map { _ in [Double]() }
    var covered = index.segments.map { _ in [Double]() }
    var matched: [(segment: Int, doc: UInt32)] = []
    var totalIDF = 0.0

    for (term, count) in terms {
      let bytes = Array(term.utf8)
      var postings: [(segment: Int, doc: UInt32, tf: Int)] = []
      for (s, segment) in index.segments.enumerated() {
        guard var cursor = try segment.cursor(bytes) else { continue }
        while try cursor.next() {
          if segment.deleted[Int(cursor.doc)] { continue }
          postings.append((s, cursor.doc, cursor.freq))
        }
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
        let length = Int(index.segments[posting.segment].lengths[Int(posting.doc)])
        scores[posting.segment][Int(posting.doc)] +=
          Double(count) * bm25.score(tf: posting.tf, length: length, averageLength: averageLength, idf: idf)
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
}
