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
  public func split(_ lines: [Substring], firstLine: Int = 1, paragraphStarts: Set<Int> = []) -> [Passage] {
    var passages: [Passage] = []
    var pieces: [String] = []
    var length = 0
    var lineStart = 0
    var lineEnd = 0
    var previousEndsSentence = false
    var pendingBreak = false
    var heading: String? = nil
    var passageSection: String? = nil

    func flush() {
      guard !pieces.isEmpty else { return }
      passages.append(
        Passage(text: pieces.joined(separator: "\n"), lineStart: lineStart, lineEnd: lineEnd, section: passageSection))
      pieces.removeAll()
      length = 0
    }

    for (offset, rawLine) in lines.enumerated() {
      let lineNumber = firstLine + offset
      let line = rawLine.trimmingWhitespace
      if line.isEmpty {
        pendingBreak = true
        continue
      }
      let lineHeading = Metadata.heading(line)
      let isHeading = lineHeading != nil
      for (pieceIndex, piece) in cut(line).enumerated() {
        let pieceLength = piece.unicodeScalars.count
        let boundary =
          pieceIndex == 0 && (pendingBreak || isHeading || previousEndsSentence || paragraphStarts.contains(offset))
        if !pieces.isEmpty
          && (length + pieceLength > maxLength || (boundary && length >= minLength))
        {
          flush()
        }
        if pieces.isEmpty {
          lineStart = lineNumber
          passageSection = lineHeading ?? heading
        }
        if pieceIndex > 0, let last = pieces.popLast() {
          pieces.append(last + piece)  // a long line's pieces stay one line of text
        } else {
          pieces.append(String(piece))
        }
        length += pieceLength
        lineEnd = lineNumber
        pendingBreak = false
      }
      previousEndsSentence = PassageSplitter.endsSentence(line)
      if let lineHeading { heading = lineHeading }
    }
    flush()
    return passages
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

  static func endsSentence(_ line: Substring) -> Bool {
    var scalars = line.unicodeScalars[...]
    // Closing quotes and brackets after the stop still end the sentence: 。” or .)
    while let last = scalars.last, "”’\"')）」』".unicodeScalars.contains(last) {
      scalars = scalars.dropLast()
    }
    guard let last = scalars.last else { return false }
    return isSentenceEnd(last, next: nil)
  }
}

extension Substring {
  var trimmingWhitespace: Substring {
    var s = self
    while let first = s.first, first.isWhitespace { s.removeFirst() }
    while let last = s.last, last.isWhitespace { s.removeLast() }
    return s
  }
}
