#if canImport(Glibc)
  import Glibc
#endif

/// A file's bytes → a `Document`: decode, take the metadata, cut passages.
public struct DocumentReader: Sendable {
  public var splitter = PassageSplitter()

  public init() {}

  /// The formats that get their own treatment; everything else indexed is plain text.
  public enum Format: Sendable {
    case text, markdown, html
  }

  public static func format(ofPath path: String) -> Format {
    switch pathExtension(path) {
    case "md", "markdown": return .markdown
    case "html", "htm": return .html
    default: return .text
    }
  }

  public func read(bytes: [UInt8], path: String, format: Format) -> Document {
    let decoded = TextDecoder.decode(bytes)
    var document = Document(path: path)
    if let warning = decoded.warning { document.warnings.append(warning) }
    switch format {
    case .html:
      let html = HTMLText(decoded.text)
      document.title = html.title
      document.passages = splitter.split(html.lines.map { Substring($0) }, paragraphStarts: html.paragraphStarts)
    case .text, .markdown:
      let lines = sourceLines(decoded.text)
      let (metadata, frontMatterLines) = Metadata.frontMatter(lines)
      document.title = metadata.title
      document.url = metadata.url
      document.date = metadata.date
      document.tags = metadata.tags
      document.warnings += metadata.warnings
      let body = lines[frontMatterLines...]
      if document.title == nil {
        // A heading starts with "#": the other lines are passed over on their first byte
        // (trimming and testing every line of a file without headings cost 2% of indexing).
        document.title = body.lazy.filter { $0.utf8.first == UInt8(ascii: "#") }
          .compactMap { Metadata.heading($0.trimmingTrailingSpace) }.first
      }
      document.passages = splitter.split(Array(body), firstLine: frontMatterLines + 1)
    }
    document.capMetadata()
    return document
  }
}

extension Document {
  /// Titles, headings and other metadata longer than this many Unicode scalars are cut there
  /// (with "…"). Text that long is no title; and each passage's record and title field repeat
  /// its section, so a Markdown file whose one heading line held a million characters took
  /// 42 s and 6.7 GB to index, into passage blocks too large to read back.
  static let metadataLimit = 1_000

  mutating func capMetadata() {
    func cap(_ text: String) -> String {
      guard text.unicodeScalars.count > Document.metadataLimit else { return text }
      var cut = String.UnicodeScalarView(text.unicodeScalars.prefix(Document.metadataLimit))
      cut.append("…")
      return String(cut)
    }
    title = title.map(cap)
    url = url.map(cap)
    date = date.map(cap)
    tags = tags.map(cap)
    for i in passages.indices { passages[i].section = passages[i].section.map(cap) }
  }
}

/// The lines of `text` as grep counts them: split at every "\n", a "\r" before it dropped.
/// (Splitting the String itself compares Characters, and "\r\n" is one Character: a file
/// with Windows line ends would be a single line; it was also a tenth of indexing time.)
func sourceLines(_ text: String) -> [Substring] {
  var text = text
  text.makeContiguousUTF8()
  // Line ends found on the bytes; UTF8View offsets are O(1) on a contiguous UTF-8 string.
  var bounds: [(start: Int, end: Int)] = []
  text.withUTF8 { bytes in
    var start = 0
    while start <= bytes.count {
      let rest = bytes.count - start
      let found = rest == 0 ? nil : memchr(bytes.baseAddress! + start, 0x0A, rest)
      let newline = found.map { UnsafePointer<UInt8>($0.assumingMemoryBound(to: UInt8.self)) - bytes.baseAddress! } ?? bytes.count
      var end = newline
      if end > start && bytes[end - 1] == 0x0D { end -= 1 }
      bounds.append((start, end))
      start = newline + 1
    }
  }
  let utf8 = text.utf8
  return bounds.map { bound in
    Substring(utf8[utf8.index(utf8.startIndex, offsetBy: bound.start)..<utf8.index(utf8.startIndex, offsetBy: bound.end)])
  }
}

/// The lower-cased extension of the last path component ("" when there is none). Found on
/// bytes: a "." or "/" followed by a combining mark counts as one.
func pathExtension(_ path: String) -> String {
  // On the UTF-8 bytes from the end: splitting the path and walking Characters was a
  // quarter of an unchanged re-index of the large tier (254,651 paths).
  let bytes = path.utf8
  var end = bytes.endIndex
  while end > bytes.startIndex && bytes[bytes.index(before: end)] == UInt8(ascii: "/") { end = bytes.index(before: end) }
  var start = end
  var dot: String.Index? = nil
  while start > bytes.startIndex {
    let previous = bytes.index(before: start)
    let byte = bytes[previous]
    if byte == UInt8(ascii: "/") { break }
    if byte == UInt8(ascii: "."), dot == nil { dot = previous }
    start = previous
  }
  guard let dot, dot != start else { return "" }
  return String(path[bytes.index(after: dot)..<end]).lowercased()
}
