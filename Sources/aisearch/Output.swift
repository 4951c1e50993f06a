import AISearch

#if canImport(Glibc)
  import Glibc
#endif

/// Renders hits as text (colored when stdout is a terminal), JSON or JSONL.
struct Output {
  let format: OutputFormat
  let color: Bool

  init(format: OutputFormat) {
    self.format = format
    color = format == .text && isatty(STDOUT_FILENO) == 1 && getenv("NO_COLOR") == nil
  }

  func print(_ result: SearchResult, query: String) {
    let hits = result.hits
    switch format {
    case .json:
      Output.write(
        "{\"query\":\(JSON.string(query)),\"confident\":\(result.confident),\"notes\":["
          + result.notes.map(JSON.string).joined(separator: ",") + "],\"hits\":["
          + hits.map { $0.json() }.joined(separator: ",") + "]}\n")
    case .jsonl:
      for hit in hits { Output.write(hit.json() + "\n") }
    case .text:
      if !hits.isEmpty && !result.confident {
        Output.write(paint(Output.weakNotice, "33") + "\n\n")
      }
      for (i, hit) in hits.enumerated() {
        if i > 0 { Output.write("\n") }
        Output.write(textBlock(hit))
      }
    }
    Output.flush()
  }

  /// Copies of a hit cited one per line; the rest are counted. A mirrored tree repeats a
  /// passage dozens of times (41 on the large benchmark tier), and forty citation lines
  /// pushed the next hit off the screen.
  static let copiesShown = 3

  static let weakNotice = "Weak matches: no passage holds enough of the query; these are the closest."

  /// One hit as text:
  ///
  ///     1. seeds/a.txt:3-5  Title  (score 4.2)
  ///        passage line one
  ///        passage line two
  func textBlock(_ hit: Hit) -> String {
    var header = "\(hit.rank). " + paint("\(hit.path):\(hit.lineStart)-\(hit.lineEnd)", "35")
    if let title = hit.title { header += "  " + paint(title, "1") }
    header += "  " + paint("(score \(Output.decimal(hit.score, 2)))", "2")
    for copy in hit.duplicates.prefix(Output.copiesShown) {
      header += "\n   " + paint("also \(copy.path):\(copy.lineStart)-\(copy.lineEnd)", "2")
    }
    if hit.duplicates.count > Output.copiesShown {
      let more = hit.duplicates.count - Output.copiesShown
      header += "\n   " + paint("also \(more) more \(more == 1 ? "copy" : "copies") (--format json lists every one)", "2")
    }
    var body = ""
    // Split on bytes: splitting the String walks it by grapheme clusters.
    for line in highlighted(hit.snippet).utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
      body += "   " + String(decoding: line, as: UTF8.self) + "\n"
    }
    if let explanation = hit.explanation { body += explain(explanation) }
    return header + "\n" + body
  }

  /// The score's parts, one line per matched term.
  func explain(_ e: Hit.Explanation) -> String {
    let p = e.parameters
    var out = "   " + paint(
      "score = bm25 \(Output.decimal(e.bm25, 3)) × coverage \(Output.decimal(e.coverage, 3))"
        + " × list page \(Output.decimal(e.listPage, 3)) × proximity \(Output.decimal(e.proximity, 3))"
        + " (phrase \(Output.decimal(e.phrase, 2)), closeness \(Output.decimal(e.closeness, 2)))", "2") + "\n"
    out += "   " + paint(
      "BM25F k1 \(Output.decimal(p.k1, 2)), body b \(Output.decimal(p.b, 2)), title weight \(Output.decimal(p.titleWeight, 2)) b \(Output.decimal(p.titleB, 2))", "2") + "\n"
    for term in e.terms {
      out += "   " + paint(
        "  \(term.term): \(Output.decimal(term.score, 3))  idf \(Output.decimal(term.idf, 3)), tf \(term.tf)/\(term.length) body, \(term.titleTF)/\(term.titleLength) title", "2") + "\n"
    }
    return out
  }

  /// A snippet's text with highlights painted (on a terminal) or left plain.
  private func highlighted(_ snippet: Snippet) -> String {
    guard color, !snippet.highlights.isEmpty else { return snippet.text }
    var out = ""
    var next = 0
    var ranges = snippet.highlights[...]
    for (offset, scalar) in snippet.text.unicodeScalars.enumerated() {
      if let range = ranges.first, offset == range.lowerBound { out += "\u{1B}[1;31m" }
      out.unicodeScalars.append(scalar)
      next = offset + 1
      if let range = ranges.first, next == range.upperBound {
        out += "\u{1B}[0m"
        ranges = ranges.dropFirst()
      }
    }
    return out
  }

  private func paint(_ text: String, _ code: String) -> String {
    color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
  }

  static func write(_ text: String) {
    fputs(text, stdout)
  }

  static func flush() {
    fflush(stdout)
  }

  /// `value` with `places` decimals, without Foundation's String(format:).
  static func decimal(_ value: Double, _ places: Int) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let scaled = Int64((value * scale).rounded())
    let whole = scaled / Int64(scale)
    var fraction = String(abs(scaled % Int64(scale)))
    fraction = String(repeating: "0", count: places - fraction.count) + fraction
    return (scaled < 0 && whole == 0 ? "-" : "") + String(whole) + (places > 0 ? "." + fraction : "")
  }
}

extension String {
  var trimmingWhitespace: String {
    var s = Substring(self)
    while let first = s.first, first.isWhitespace { s.removeFirst() }
    while let last = s.last, last.isWhitespace { s.removeLast() }
    return String(s)
  }
}
