/// How much of a document's text stands in list lines: lines narrower than 40 columns (a
/// CJK or full-width character taking two) that do not end a sentence or clause. A contents
/// page, a menu or a link list is mostly such lines; prose, man pages (whose option lines
/// are followed by their descriptions) and most help pages are not. Measured on the medium
/// tier: man pages 0.14 at the median and 0.42 at the 99th percentile, LibreOffice help
/// pages 0.20 and 0.63, the Calc guide's contents page 0.70 (docs/analysis.md).
///
/// A document of fewer than `minimumLines` lines has share 0: a note, a title or a short
/// message of a few lines is not a list of other pages, and would otherwise count as one.
///
/// The share is a property of the whole document, not of a passage: a passage of a
/// contents page can hold two sentences of introduction, and a man page's synopsis is a
/// list inside a page that is not one (a per-passage share cost doc-command queries their
/// answers). It is stored per passage as 0…255 and read by `ListPagePrior`.
///
/// Example (were two lines enough): "目录" (4 columns, no sentence end: a list line, 2
/// characters) and "冻结行或列可以让表头一直可见。" (15 characters, ends a sentence) give
/// 2 / 17 → 30.
enum ListShare {
  /// Lines at least this wide (in columns) are text, whatever they end with.
  static let listLineWidth = 40

  /// Documents with fewer (non-blank) lines than this are not list pages.
  static let minimumLines = 10

  /// The document's share, 0…255 (255 × list-line scalars / all scalars, rounded).
  static func of(_ passages: [Passage], minimumLines: Int = ListShare.minimumLines) -> UInt8 {
    var total = 0
    var listed = 0
    var lines = 0
    for passage in passages {
      passage.utf8.withUnsafeBufferPointer { bytes in
        var start = 0
        while start <= bytes.count {
          let (end, scalars, isList) = measureLine(bytes, from: start)
          total += scalars
          if scalars > 0 { lines += 1 }
          if isList { listed += scalars }
          start = end + 1
        }
      }
    }
    guard total > 0, lines >= minimumLines else { return 0 }
    return UInt8((255 * listed + total / 2) / total)
  }

  /// The line of `text` starting at `start` (up to the next line feed): where it ends, its
  /// scalars (leading and trailing ASCII white space left out) and whether it is a list line.
  /// One pass over the line's bytes finds its end and counts it (a memchr per line, then a
  /// count, cost half as much again: lines are short).
  static func measureLine(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> (end: Int, scalars: Int, isList: Bool) {
    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
    let (end, scalars, wide) = UTF8Scalars.countLine(UnsafeRawBufferPointer(text), from: start)
    var low = start
    var high = end
    while low < high && isSpace(text[low]) { low += 1 }
    while high > low && isSpace(text[high - 1]) { high -= 1 }
    guard low < high else { return (end, 0, false) }
    // The white space left out is ASCII: a scalar and a column per byte.
    let kept = scalars - (low - start) - (end - high)
    return (end, kept, kept + wide < listLineWidth && !endsSentence(UnsafeBufferPointer(rebasing: text[low..<high])))
  }

  /// Whether a (trimmed, non-empty) line ends in 。！？.!?；;：:，, or a closing
  /// parenthesis, compared as UTF-8: 。 is E3 80 82, the full-width forms EF BC xx.
  static func endsSentence(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
    let last = line[line.count - 1]
    if last < 0x80 { return asciiEnds.contains(last) }
    guard line.count >= 3 else { return false }
    let lead = line[line.count - 3]
    let middle = line[line.count - 2]
    if lead == 0xE3 { return middle == 0x80 && last == 0x82 }
    return lead == 0xEF && middle == 0xBC && fullWidthEnds.contains(last)
  }

  private static let asciiEnds: [UInt8] = Array(".!?;:,)".utf8)
  /// The last bytes of ！？；：，） (EF BC 81, 9F, 9B, 9A, 8C, 89).
  private static let fullWidthEnds: [UInt8] = [0x81, 0x9F, 0x9B, 0x9A, 0x8C, 0x89]
}
