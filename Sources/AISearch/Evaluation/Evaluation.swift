import FoundationEssentials

/// Runs judged queries against an index and scores the hits the way `shared/eval/score.py`
/// does, so users can measure retrieval on their own collections.
///
/// Query file: JSONL, one `{"id", "query", "kind", "evidence": [[s, …], …]}` per line. A hit
/// is relevant when, for some evidence unit, every string of the unit occurs in the hit's
/// text after normalization (NFKC_Casefold, then whitespace, control, format, punctuation,
/// symbol and separator characters removed). A query with no evidence, or of kind
/// "no-answer", has no relevant passage: it is reported by whether aisearch flagged it.
public struct Evaluation {
  public struct Query: Sendable {
    public var id: String
    public var text: String
    public var kinds: [String]
    public var evidence: [[String]]

    public var isNoAnswer: Bool { evidence.isEmpty || kinds.contains("no-answer") }
  }

  /// S@1, S@5, MRR@k and R@k of one answerable query.
  public struct Metrics: Sendable {
    public var successAt1: Double
    public var successAt5: Double
    public var reciprocalRank: Double
    public var recall: Double
    /// 1-based rank of the first relevant hit.
    public var first: Int?

    public static func mean(_ all: [Metrics]) -> Metrics {
      let n = Double(max(all.count, 1))
      return Metrics(
        successAt1: all.reduce(0) { $0 + $1.successAt1 } / n, successAt5: all.reduce(0) { $0 + $1.successAt5 } / n,
        reciprocalRank: all.reduce(0) { $0 + $1.reciprocalRank } / n, recall: all.reduce(0) { $0 + $1.recall } / n,
        first: nil)
    }
  }

  public struct Report: Sendable {
    public var answerable: [(query: Query, metrics: Metrics, hits: Int)] = []
    public var noAnswer: [(query: Query, hits: Int, flagged: Bool)] = []

    /// Mean metrics per kind, kinds sorted by name.
    public var byKind: [(kind: String, count: Int, metrics: Metrics)] {
      var groups: [String: [Metrics]] = [:]
      for row in answerable { for kind in row.query.kinds { groups[kind, default: []].append(row.metrics) } }
      return groups.keys.sorted().map { ($0, groups[$0]!.count, Metrics.mean(groups[$0]!)) }
    }

    public var overall: Metrics { Metrics.mean(answerable.map(\.metrics)) }
  }

  public let k: Int
  private let normalizer: EvidenceNormalizer

  public init(k: Int = 10) {
    self.k = k
    normalizer = EvidenceNormalizer()
  }

  /// Parses a query file; a line that is not a query object is an input error naming it.
  public static func readQueries(_ path: String) throws -> [Query] {
    let bytes = try FileSystem.readFile(path)
    var queries: [Query] = []
    var text = String(decoding: bytes, as: UTF8.self)
    // Editors on Windows start UTF-8 files with a byte order mark, which JSON does not allow.
    if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
    // Split on any line end ("\r\n" is one Character, which splitting on "\n" missed), blank
    // lines kept so that a message's line number is the file's.
    for (number, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
      if line.allSatisfy(\.isWhitespace) { continue }
      guard let query = try? JSONDecoder().decode(QueryLine.self, from: Data(line.utf8)) else {
        throw AISearchError(.input, "\(path):\(number + 1): not a query object with \"id\" and \"query\"", path: path)
      }
      queries.append(query.value)
    }
    return queries
  }

  /// One line of a query file: `id` a string or a number, `kind` a string or a list, and
  /// `evidence` a list of lists of strings (anything else counts as no evidence).
  private struct QueryLine: Decodable {
    var value: Query

    private enum Key: String, CodingKey { case id, query, kind, evidence }

    init(from decoder: Decoder) throws {
      let fields = try decoder.container(keyedBy: Key.self)
      let id: String
      if let text = try? fields.decode(String.self, forKey: .id) {
        id = text
      } else if let number = try? fields.decode(Int.self, forKey: .id) {
        id = String(number)
      } else {
        id = String(try fields.decode(Double.self, forKey: .id))
      }
      let kinds =
        (try? fields.decode([String].self, forKey: .kind)) ?? [(try? fields.decode(String.self, forKey: .kind)) ?? "?"]
      value = Query(
        id: id, text: try fields.decode(String.self, forKey: .query), kinds: kinds,
        evidence: (try? fields.decode([[String]].self, forKey: .evidence)) ?? [])
    }
  }

  public func run(_ queries: [Query], searcher: Searcher) throws -> Report {
    var report = Report()
    for query in queries {
      let result = try searcher.search(query.text, k: k)
      if query.isNoAnswer {
        report.noAnswer.append((query, result.hits.count, !result.confident))
        continue
      }
      let units = try query.evidence.map { try $0.map(normalizer.normalize).filter { !$0.isEmpty } }
      var first: Int? = nil
      var covered = Set<Int>()
      for (i, hit) in result.hits.prefix(k).enumerated() {
        let text = try normalizer.normalize(hit.text)
        let satisfied = units.indices.filter { !units[$0].isEmpty && units[$0].allSatisfy(text.contains) }
        if !satisfied.isEmpty && first == nil { first = i + 1 }
        covered.formUnion(satisfied)
      }
      let metrics = Metrics(
        successAt1: first == 1 ? 1 : 0, successAt5: (first ?? .max) <= 5 ? 1 : 0,
        reciprocalRank: first.map { 1 / Double($0) } ?? 0,
        recall: units.isEmpty ? 0 : Double(covered.count) / Double(units.count), first: first)
      report.answerable.append((query, metrics, result.hits.count))
    }
    return report
  }
}

/// The scorer's normalization: NFKC_Casefold, then only letters, marks and numbers remain.
struct EvidenceNormalizer {
  func normalize(_ text: String) throws -> String {
    let folded = try CaseFoldNormalizer.normalize(Array(text.utf16))
    var out = String.UnicodeScalarView()
    for scalar in String(decoding: folded, as: UTF16.self).unicodeScalars {
      switch scalar.properties.generalCategory {
      case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
        .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
        if !scalar.properties.isWhitespace { out.append(scalar) }
      default:
        continue
      }
    }
    return String(out)
  }
}
