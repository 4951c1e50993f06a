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
/// `{"path", "line_start", "line_end"}`); they are not repeated as hits.
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
    out += highlights.map { "[\($0.lowerBound),\($0.upperBound)]" }.joined(separator: ",")
    out += "],\"match\":\"\(match.rawValue)\",\"duplicates\":["
    out += duplicates.map {
      "{\"path\":\(JSON.string($0.path)),\"line_start\":\($0.lineStart),\"line_end\":\($0.lineEnd)}"
    }.joined(separator: ",")
    out += "]}"
    return out
  }
}

/// The small JSON encoder the output needs: fixed key order, no Foundation.
public enum JSON {
  public static func string(_ value: String) -> String {
    var out = "\""
    for scalar in value.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
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
}
