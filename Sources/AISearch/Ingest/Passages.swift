/// Document text → passages of about a paragraph (aim 200–1000 characters, counted in
/// Unicode scalars), each with the line range it came from.
///
/// Rules, in order:
/// - a line longer than `maxLength` is cut into pieces at the last sentence end (。！？；!?;
///   or ". ") in the second half of each `maxLength` window, else hard at `maxLength`;
/// - pieces are gathered into a passage until adding the next would exceed `maxLength`;
/// - a passage also ends, once it holds `minLength` characters, at a paragraph break (a
///   blank line or a Markdown heading), or at a line end that closes a sentence.
///   Lines of one paragraph that wrap mid-sentence therefore stay together.
public struct PassageSplitter: Sendable {
  public var minLength = 200
  public var maxLength = 1000

  public init() {}

  /// Splits `lines`; `firstLine` is the 1-based number of `lines[0]` in the source.
  /// `paragraphStarts` holds indexes into `lines` where a paragraph begins even without a
  /// blank line before it (HTML block elements).
  ///
  /// Lines are trimmed, measured and gathered on their UTF-8 bytes: through Substring and
  /// String operations, cutting passages was a tenth of a large build's samples.
  public func split(_ lines: [Substring], firstLine: Int = 1, paragraphStarts: Set<Int> = []) -> [Passage] {
    var passages: [Passage] = []
    var text: [UInt8] = []
    var length = 0
    var lineStart = 0
    var lineEnd = 0
    var previousEndsSentence = false
    var pendingBreak = false
    var heading: String? = nil
    var passageSection: String? = nil

    func flush() {
      guard length > 0 else { return }
      passages.append(
        // A copy of its own size: handing over `text` itself would give every passage the
        // buffer's whole capacity and make `removeAll` below allocate a new one.
        Passage(utf8: Array(text), lineStart: lineStart, lineEnd: lineEnd, section: passageSection))
      text.removeAll(keepingCapacity: true)
      length = 0
    }

    for (offset, rawLine) in lines.enumerated() {
      let lineNumber = firstLine + offset
      let line = rawLine.trimmingWhitespace
      if line.isEmpty {
        pendingBreak = true
        continue
      }
      var contiguous = line
      contiguous.withUTF8 { bytes in
        let lineHeading = bytes[0] == UInt8(ascii: "#") ? Metadata.heading(line) : nil
        let lineLength = PassageSplitter.scalarCount(bytes)
        // Most lines are one piece: no array is made for them.
        let pieces = lineLength <= maxLength ? nil : cut(line)
        for pieceIndex in 0..<(pieces?.count ?? 1) {
          let pieceLength = pieces == nil ? lineLength : PassageSplitter.scalarCount(pieces![pieceIndex])
          let boundary =
            pieceIndex == 0 && (pendingBreak || lineHeading != nil || previousEndsSentence || paragraphStarts.contains(offset))
          if length > 0 && (length + pieceLength > maxLength || (boundary && length >= minLength)) {
            flush()
          }
          if length == 0 {
            lineStart = lineNumber
            passageSection = lineHeading ?? heading
          } else if pieceIndex == 0 {
            text.append(0x0A)  // a long line's pieces stay one line of text
          }
          if let pieces {
            text.append(contentsOf: pieces[pieceIndex].utf8)
          } else {
            text.append(contentsOf: bytes)
          }
          length += pieceLength
          lineEnd = lineNumber
          pendingBreak = false
        }
        previousEndsSentence = PassageSplitter.endsSentence(bytes)
        if let lineHeading { heading = lineHeading }
      }
    }
    flush()
    return passages
  }

  /// The scalar whose UTF-8 encoding starts at `bytes[i]` (valid UTF-8).
  static func decodeFirst(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) -> Unicode.Scalar? {
    guard i + UTF8Scalars.length(lead: bytes[i]) <= bytes.count else { return nil }
    return Unicode.Scalar(UTF8Scalars.decode(bytes, at: i).value)
  }

  /// The scalar whose UTF-8 encoding ends just before `bytes[end]` (valid UTF-8).
  static func decodeLast(_ bytes: UnsafeBufferPointer<UInt8>, _ end: Int) -> Unicode.Scalar? {
    var start = end - 1
    while start > 0 && bytes[start] & 0xC0 == 0x80 { start -= 1 }
    return decodeFirst(bytes, start)
  }

  /// Unicode scalars in `text`, counted on its UTF-8 bytes (every byte but continuation
  /// bytes starts one).
  static func scalarCount(_ text: Substring) -> Int {
    var text = text
    return text.withUTF8 { scalarCount($0) }
  }

  static func scalarCount(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
    UTF8Scalars.count(UnsafeRawBufferPointer(bytes)).scalars
  }

  /// Cuts one line into pieces of at most `maxLength` scalars, preferring sentence ends.
  func cut(_ line: Substring) -> [Substring] {
    let scalars = line.unicodeScalars
    if scalars.count <= maxLength { return [line] }
    var pieces: [Substring] = []
    var start = scalars.startIndex
    while start < scalars.endIndex {
      let windowEnd = scalars.index(start, offsetBy: maxLength, limitedBy: scalars.endIndex) ?? scalars.endIndex
      if windowEnd == scalars.endIndex {
        pieces.append(Substring(scalars[start..<windowEnd]))
        break
      }
      let half = scalars.index(start, offsetBy: maxLength / 2)
      var cutAt = windowEnd
      var i = windowEnd
      while i > half {
        let before = scalars.index(before: i)
        if PassageSplitter.isSentenceEnd(scalars[before], next: scalars[i]) {
          cutAt = i
          break
        }
        i = before
      }
      pieces.append(Substring(scalars[start..<cutAt]))
      start = cutAt
    }
    return pieces
  }

  static func isSentenceEnd(_ scalar: Unicode.Scalar, next: Unicode.Scalar?) -> Bool {
    switch scalar {
    case "。", "！", "？", "；", "!", "?", ";": return true
    case ".": return next == nil || next == " " || next == "\t"
    default: return false
    }
  }

  /// Whether a line's UTF-8 bytes end a sentence: its last scalar, after closing quotes and
  /// brackets (。” or .)), is a sentence end.
  static func endsSentence(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var end = bytes.count
    while end > 0, let last = decodeLast(bytes, end) {
      guard isClosing(last) else { return isSentenceEnd(last, next: nil) }
      end -= last.utf8.count
    }
    return false
  }

  /// ” ’ " ' ) ） 」 』
  private static func isClosing(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar {
    case "\u{201D}", "\u{2019}", "\"", "'", ")", "\u{FF09}", "\u{300D}", "\u{300F}": return true
    default: return false
    }
  }
}

extension Substring {
  /// The text without white space Characters at either end. Taken scalar by scalar on the
  /// UTF-8 bytes while every scalar it trims, and each end it stops at, is known to be a
  /// Character boundary (`joinsNoSpace`); through Characters otherwise (grapheme breaking
  /// on every line was 3% of indexing time, and String operations on every line most of a
  /// tenth). A white space scalar is GCB Other or Control, so it stands alone unless a mark
  /// follows it or a Prepend scalar precedes it; a Character is white space when its first
  /// scalar is.
  var trimmingWhitespace: Substring {
    var text = self
    let range = text.withUTF8 { bytes -> Range<Int>? in
      var low = 0
      var high = bytes.count
      while low < high, let first = PassageSplitter.decodeFirst(bytes, low), Substring.isWhiteSpace(first) {
        low += first.utf8.count
        guard low == high || PassageSplitter.decodeFirst(bytes, low).map(Substring.joinsNoSpace) == true else { return nil }
      }
      while high > low, let last = PassageSplitter.decodeLast(bytes, high), Substring.isWhiteSpace(last) {
        high -= last.utf8.count
        guard high == low || PassageSplitter.decodeLast(bytes, high).map(Substring.joinsNoSpace) == true else { return nil }
      }
      // The last scalar kept must not be a mark that a white space before it would begin.
      guard low == high || PassageSplitter.decodeLast(bytes, high).map(Substring.joinsNoSpace) == true else { return nil }
      return low..<high
    }
    guard let range else {
      var trimmed = self
      while let first = trimmed.first, first.isWhitespace { trimmed.removeFirst() }
      while let last = trimmed.last, last.isWhitespace { trimmed.removeLast() }
      return trimmed
    }
    if range.lowerBound == 0 && range.upperBound == utf8.count { return self }
    let utf8 = self.utf8
    return Substring(
      utf8[utf8.index(utf8.startIndex, offsetBy: range.lowerBound)..<utf8.index(utf8.startIndex, offsetBy: range.upperBound)])
  }

  /// Unicode's White_Space property (`Unicode.Scalar.Properties.isWhitespace`), from its
  /// list of 25 code points instead of the property tables: the lookup was 2% of a large
  /// build's samples, for the two ends of every line.
  static func isWhiteSpace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
      return true
    default:
      return false
    }
  }

  /// Whether `scalar` forms no Character with a space on either side (its grapheme break
  /// property is none of Extend, ZWJ, SpacingMark and Prepend), for the blocks where lines
  /// begin and end: ASCII, Latin, Greek, Cyrillic, general punctuation, symbols, CJK,
  /// kana, Hangul syllables and full-width forms, without the combining marks among them
  /// (U+0300–036F, U+0483–0489, U+302A–302F, U+3099–309A, U+FF9E–FF9F). Tested over every
  /// scalar listed, against Swift's own grapheme breaking.
  static func joinsNoSpace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0..<0x80, 0xA0...0x2FF, 0x370...0x3FF, 0x400...0x482, 0x48A...0x52F, 0x2010...0x2027, 0x2030...0x205E,
      0x2070...0x20CF, 0x2100...0x2BFF, 0x3000...0x3029, 0x3030...0x303F, 0x3041...0x3096, 0x309B...0x30FF,
      0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFF01...0xFF65, 0x20000...0x3134F:
      return true
    default:
      return false
    }
  }
}
