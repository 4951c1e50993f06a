/// One ranked passage with its citation.
///
/// # JSON format
///
/// `--format jsonl` prints one hit per line; `--format json` prints
/// `{"query": "…", "confident": true, "hits": [hit, …]}` (`confident` is false when no
/// passage matches enough of the query to count as an answer); `search --batch` prints one hit per line with
/// `"query_id"` (the query's line number in the batch file, from 1) and `"query"` first.
/// Keys come in this order; title, url and date are null when the document has none:
///
///     {"rank":1,"score":12.3,"path":"seeds/003_….txt","line_start":25,"line_end":25,
///      "title":"…","url":"…","date":"…","text":"…passage…","highlights":[[12,16]],
///      "match":"full","duplicates":[{"path":"…","line_start":30,"line_end":31}]}
///
/// `highlights` are [start, end) offsets in Unicode scalars of `text`, sorted and merged.
/// `match` is "full" when the passage holds every term of the query, else "partial".
/// `duplicates` lists the other places holding a near-copy of the passage (each
/// `{"path", "line_start", "line_end"}`); they are not repeated as hits. `snippet` is the
/// part of the passage with the densest matches, at most `Snippet.width` characters with
/// "…" where cut (the whole passage when it is short), with highlights of its own.
/// With `--explain`, `explain` gives the score's parts: score = bm25 × coverage × list
/// page × proximity, each term's BM25F contribution with its frequencies and field lengths,
/// and the BM25F parameters:
///
///     "explain":{"bm25":7.1,"coverage":1,"list_page":1,"phrase":1,"closeness":1,"proximity":1.5,
///       "k1":1.2,"b":0.75,"title_weight":2,"title_b":0.5,
///       "terms":[{"term":"昇腾","idf":4.2,"tf":1,"length":57,"title_tf":0,
///                 "title_length":4,"score":3.1}]}
public struct Hit: Equatable, Sendable {
  /// Whether the passage holds every term of the query.
  public enum Match: String, Sendable {
    case full, partial
  }

  public var rank: Int
  public var score: Double
  public var path: String
  public var lineStart: Int
  public var lineEnd: Int
  public var title: String?
  public var url: String?
  public var date: String?
  public var text: String
  public var highlights: [Range<Int>]
  public var match: Match
  /// Other places holding a near-copy of this passage, best first.
  public var duplicates: [Citation] = []
  public var snippet: Snippet
  /// Why the passage scored as it did (`--explain`).
  public var explanation: Explanation?

  /// The parts of a hit's score.
  public struct Explanation: Equatable, Sendable {
    public struct Term: Equatable, Sendable {
      public var term: String
      public var idf: Double
      public var tf: Int
      public var length: Int
      public var titleTF: Int
      public var titleLength: Int
      /// BM25F of the term times its count in the query.
      public var score: Double
    }

    public var bm25: Double
    public var coverage: Double
    /// `ListPagePrior`'s factor for the passage's document (1 unless it is mostly lists).
    public var listPage: Double
    public var phrase: Double
    public var closeness: Double
    /// 1 + phraseWeight · phrase + closenessWeight · closeness.
    public var proximity: Double
    public var parameters: BM25
    public var terms: [Term]
  }

  /// A place in the corpus: file and 1-based inclusive lines.
  public struct Citation: Equatable, Sendable {
    public var path: String
    public var lineStart: Int
    public var lineEnd: Int
  }

  /// The hit as one JSON object; `prefix` holds already-encoded leading members
  /// (e.g. `"query_id":3,"query":"…"`).
  public func json(prefix: String = "") -> String {
    var out = "{"
    if !prefix.isEmpty { out += prefix + "," }
    out += "\"rank\":\(rank),\"score\":\(JSON.number(score)),\"path\":\(JSON.string(path))"
    out += ",\"line_start\":\(lineStart),\"line_end\":\(lineEnd)"
    out += ",\"title\":\(JSON.optional(title)),\"url\":\(JSON.optional(url)),\"date\":\(JSON.optional(date))"
    out += ",\"text\":\(JSON.string(text)),\"highlights\":["
    out += JSON.ranges(highlights)
    out += "],\"match\":\"\(match.rawValue)\",\"duplicates\":["
    out += duplicates.map {
      "{\"path\":\(JSON.string($0.path)),\"line_start\":\($0.lineStart),\"line_end\":\($0.lineEnd)}"
    }.joined(separator: ",")
    out += "],\"snippet\":{\"text\":\(JSON.string(snippet.text)),\"highlights\":["
    out += JSON.ranges(snippet.highlights) + "]}"
    if let explanation {
      let e = explanation
      out += ",\"explain\":{\"bm25\":\(JSON.number(e.bm25)),\"coverage\":\(JSON.number(e.coverage))"
      out += ",\"list_page\":\(JSON.number(e.listPage))"
      out += ",\"phrase\":\(JSON.number(e.phrase)),\"closeness\":\(JSON.number(e.closeness))"
      out += ",\"proximity\":\(JSON.number(e.proximity)),\"k1\":\(JSON.number(e.parameters.k1))"
      out += ",\"b\":\(JSON.number(e.parameters.b)),\"title_weight\":\(JSON.number(e.parameters.titleWeight))"
      out += ",\"title_b\":\(JSON.number(e.parameters.titleB)),\"terms\":["
      out += e.terms.map {
        "{\"term\":\(JSON.string($0.term)),\"idf\":\(JSON.number($0.idf)),\"tf\":\($0.tf),\"length\":\($0.length)"
          + ",\"title_tf\":\($0.titleTF),\"title_length\":\($0.titleLength),\"score\":\(JSON.number($0.score))}"
      }.joined(separator: ",")
      out += "]}"
    }
    return out + "}"
  }
}

/// The small JSON encoder the output needs: fixed key order, no Foundation.
public enum JSON {
  /// `value` as a JSON string literal; U+2028 and U+2029 escaped too (JavaScript reads them
  /// as line ends). Worked on the UTF-8 bytes, copying runs that need no escape: appending
  /// scalar by scalar was a sixth of a JSON batch's time.
  public static func string(_ value: String) -> String {
    var value = value
    return value.withUTF8 { bytes in
      var out: [UInt8] = []
      out.reserveCapacity(bytes.count + 2)
      out.append(0x22)
      var runStart = 0
      var i = 0
      func escape(_ replacement: String, skipping width: Int) {
        out.append(contentsOf: bytes[runStart..<i])
        out.append(contentsOf: replacement.utf8)
        i += width
        runStart = i
      }
      while i < bytes.count {
        let byte = bytes[i]
        switch byte {
        case 0x22: escape("\\\"", skipping: 1)
        case 0x5C: escape("\\\\", skipping: 1)
        case 0x0A: escape("\\n", skipping: 1)
        case 0x0D: escape("\\r", skipping: 1)
        case 0x09: escape("\\t", skipping: 1)
        case 0..<0x20:
          let hex = String(byte, radix: 16)
          escape("\\u" + String(repeating: "0", count: 4 - hex.count) + hex, skipping: 1)
        case 0xE2 where i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9):
          escape(bytes[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", skipping: 3)
        default:
          i += 1
        }
      }
      out.append(contentsOf: bytes[runStart..<bytes.count])
      out.append(0x22)
      return String(decoding: out, as: UTF8.self)
    }
  }

  /// [start, end) ranges as `[s,e],[s,e]` (the caller writes the brackets around them).
  static func ranges(_ ranges: [Range<Int>]) -> String {
    ranges.map { "[\($0.lowerBound),\($0.upperBound)]" }.joined(separator: ",")
  }

  public static func optional(_ value: String?) -> String {
    value.map(string) ?? "null"
  }

  /// A score with four decimals, as JSON (no exponent, no trailing zeros).
  public static func number(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let scaled = Int64((value * 10_000).rounded())
    let sign = scaled < 0 ? "-" : ""
    let magnitude = scaled.magnitude
    var fraction = String(magnitude % 10_000)
    fraction = String(repeating: "0", count: 4 - fraction.count) + fraction
    while fraction.hasSuffix("0") { fraction.removeLast() }
    return sign + String(magnitude / 10_000) + (fraction.isEmpty ? "" : "." + fraction)
  }
}

/// The hits of one query and whether the best of them is a confident answer.
public struct SearchResult: Equatable, Sendable {
  public var hits: [Hit]
  /// False when no passage carries enough of the query (see `Searcher.confidentCoverage`).
  public var confident: Bool
  /// How the query was read where it had to be repaired (`ParsedQuery.notes`).
  public var notes: [String] = []
}
