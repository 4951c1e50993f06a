import CHTML

/// HTML → text, line for line, with libxml2's HTML parser: line N of the result holds the
/// visible text that sits on line N of the source, so passages cut from it cite the
/// source's own line numbers.
///
/// Scripts, styles, the <head> and comments are dropped, entities decoded, and block
/// elements (p, div, li, td, h1…) separate words and, where one starts a line, begin a
/// paragraph (`paragraphStarts`); <title> becomes the title. The parser is
/// error-tolerant: unclosed tags and stray markup still give text.
struct HTMLText {
  var lines: [String]
  var title: String?
  /// Indexes of `lines` where a block element starts before any text of the line.
  var paragraphStarts: Set<Int>

  init(_ source: String) {
    final class Collector {
      var lines: [String]
      var title: String?
      var paragraphStarts = Set<Int>()

      init(lineCount: Int) { lines = [String](repeating: "", count: max(lineCount, 1)) }

      func add(_ kind: Int32, _ line: Int32, _ text: String) {
        let index = min(max(Int(line), 1), lines.count) - 1
        switch Int(kind) {
        case CHTML_TITLE:
          let words = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
          if !words.isEmpty && title == nil { title = words }
        case CHTML_BREAK:
          if lines[index].allSatisfy(\.isWhitespace) { paragraphStarts.insert(index) }
          if let last = lines[index].last, !last.isWhitespace { lines[index].append(" ") }
        default:
          lines[index] += text
        }
      }
    }
    let collector = Collector(lineCount: source.utf8.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) })
    var bytes = Array(source.utf8)
    let context = Unmanaged.passUnretained(collector).toOpaque()
    _ = bytes.withUnsafeMutableBufferPointer { buffer in
      chtml_extract(buffer.baseAddress, Int32(buffer.count), { context, kind, line, text, length in
        guard let context else { return }
        let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
        let string = text.map { String(decoding: UnsafeBufferPointer(start: $0, count: Int(length)), as: UTF8.self) } ?? ""
        collector.add(kind, line, string)
      }, context)
    }
    withExtendedLifetime(collector) {}
    lines = collector.lines
    title = collector.title
    paragraphStarts = collector.paragraphStarts
  }
}
