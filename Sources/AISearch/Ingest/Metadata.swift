import CYAML

/// Title, source URL, date and tags of a document, from YAML front matter, the first Markdown
/// heading, or an HTML <title>.
public struct Metadata: Equatable, Sendable {
  public var title: String?
  public var url: String?
  public var date: String?
  public var tags: [String]
  /// What was wrong with the front matter (said on stderr when indexing).
  public var warnings: [String] = []

  public init(title: String? = nil, url: String? = nil, date: String? = nil, tags: [String] = []) {
    self.title = title
    self.url = url
    self.date = date
    self.tags = tags
  }

  /// The front matter block at the top of `lines`: a first line `---`, YAML, and a closing
  /// `---` or `...`. Returns the parsed fields and the number of lines the block takes
  /// (those lines are not passage text). Malformed YAML gives empty metadata, not an error.
  static func frontMatter(_ lines: [Substring]) -> (Metadata, lineCount: Int) {
    guard let first = lines.first, first.trimmingTrailingSpace == "---" else {
      return (Metadata(), 0)
    }
    var end = 1
    while end < lines.count {
      let line = lines[end].trimmingTrailingSpace
      if line == "---" || line == "..." { break }
      end += 1
    }
    guard end < lines.count else { return (Metadata(), 0) }
    var metadata = Metadata()
    if let fields = YAMLMapping(lines[1..<end].joined(separator: "\n")) {
      metadata.title = fields.scalar("title")
      metadata.url = fields.scalar("url") ?? fields.scalar("source") ?? fields.scalar("link")
      metadata.date = fields.scalar("date").map(Metadata.calendarDate)
      metadata.tags = ["tags", "tag", "keywords", "categories"].flatMap { fields.list($0) }
      if let date = metadata.date, !Metadata.isFilterableDate(date) {
        metadata.warnings.append("front matter date \"\(date)\" is not a date like 2025-03-14; date: filters pass over it")
      }
    } else {
      metadata.warnings.append("front matter (lines 1–\(end + 1)) is not a YAML mapping of fields; it is ignored")
    }
    return (metadata, end + 1)
  }

  /// Whether a document's date takes part in date: filters: a year, year-month or
  /// year-month-day (2025, 2025-03, 2025-03-14) of the calendar. Dates written otherwise
  /// ("March 2025", "tomorrow") are kept as written but compare with nothing: as text,
  /// "tomorrow" would have fallen inside date:2026.. .
  public static func isFilterableDate(_ date: String) -> Bool {
    let parts = date.split(separator: "-", omittingEmptySubsequences: false)
    guard (1...3).contains(parts.count),
      zip(parts, [4, 2, 2]).allSatisfy({ part, width in part.count == width && part.utf8.allSatisfy { (0x30...0x39).contains($0) } })
    else { return false }
    return isCalendarDate(parts.map { Int($0)! })
  }

  /// Whether [year], [year, month] or [year, month, day] names a month or day of the
  /// Gregorian calendar.
  public static func isCalendarDate(_ parts: [Int]) -> Bool {
    guard parts.count >= 2 else { return true }
    let (year, month) = (parts[0], parts[1])
    guard (1...12).contains(month) else { return false }
    guard parts.count == 3 else { return true }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return (1...days).contains(parts[2])
  }

  /// The text of a Markdown ATX heading (`## Title` → `Title`), or nil.
  static func heading(_ line: Substring) -> String? {
    let hashes = line.prefix { $0 == "#" }.count
    guard (1...6).contains(hashes) else { return nil }
    let rest = line.dropFirst(hashes)
    guard let space = rest.first, space == " " || space == "\t" else { return nil }
    // A closing run of #s is not part of the text (`## Title ##`).
    let text = rest.trimmingSpace.trimming { $0 == "#" }.trimmingSpace
    return text.isEmpty ? nil : String(text)
  }

  /// A YAML timestamp (`2025-03-14`, `2025-03-14 10:00:00`, `2025-03-14T10:00:00+08:00`) as
  /// its calendar date, as written; any other text unchanged.
  static func calendarDate(_ text: String) -> String {
    let utf8 = Array(text.utf8)
    func digits(_ range: Range<Int>) -> Bool { range.allSatisfy { (0x30...0x39).contains(utf8[$0]) } }
    guard utf8.count >= 10, digits(0..<4), utf8[4] == 0x2D, digits(5..<7), utf8[7] == 0x2D, digits(8..<10),
      utf8.count == 10 || [0x20, 0x09, 0x54, 0x74].contains(utf8[10])
    else { return text }
    return String(decoding: utf8[0..<10], as: UTF8.self)
  }
}

/// The top-level mapping of a YAML document, read with libyaml. Values are kept as the text
/// written (a date stays `2025-03-14`, a number `1.50`), which is what the index stores.
struct YAMLMapping {
  private var scalars: [String: String] = [:]
  private var sequences: [String: [String]] = [:]

  /// Flow collections nested deeper than this are not parsed: libyaml takes time quadratic
  /// in the depth (200,000 `[` took a minute), and front matter nests two or three deep.
  static let maximumNesting = 64

  /// Nil when the text is not YAML or not a mapping.
  init?(_ yaml: String) {
    var depth = 0
    for byte in yaml.utf8 {
      if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
        depth += 1
        if depth > YAMLMapping.maximumNesting { return nil }
      } else if (byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")) && depth > 0 {
        depth -= 1
      }
    }
    var parser = yaml_parser_t()
    guard yaml_parser_initialize(&parser) != 0 else { return nil }
    defer { yaml_parser_delete(&parser) }
    var bytes = Array(yaml.utf8)
    var document = yaml_document_t()
    let loaded = bytes.withUnsafeMutableBufferPointer { buffer -> Bool in
      yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
      return yaml_parser_load(&parser, &document) != 0
    }
    guard loaded else { return nil }
    defer { yaml_document_delete(&document) }
    guard let root = yaml_document_get_root_node(&document), root.pointee.type == YAML_MAPPING_NODE else { return nil }
    func node(_ id: Int32) -> UnsafeMutablePointer<yaml_node_t>? { yaml_document_get_node(&document, id) }
    func text(_ node: UnsafeMutablePointer<yaml_node_t>) -> String? {
      guard node.pointee.type == YAML_SCALAR_NODE, let value = node.pointee.data.scalar.value else { return nil }
      let trimmed = String(decoding: UnsafeBufferPointer(start: value, count: node.pointee.data.scalar.length), as: UTF8.self)
        .trimmingSpace
      // YAML's null, unquoted, is no value (`title: ~`).
      if node.pointee.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && YAMLMapping.nulls.contains(String(trimmed)) {
        return nil
      }
      return trimmed.isEmpty ? nil : String(trimmed)
    }
    var pair = root.pointee.data.mapping.pairs.start
    while let current = pair, current != root.pointee.data.mapping.pairs.top {
      defer { pair = current + 1 }
      guard let keyNode = node(current.pointee.key), let key = text(keyNode), let valueNode = node(current.pointee.value)
      else { continue }
      switch valueNode.pointee.type {
      case YAML_SCALAR_NODE:
        if scalars[key] == nil, let value = text(valueNode) { scalars[key] = value }
      case YAML_SEQUENCE_NODE:
        var items: [String] = []
        var item = valueNode.pointee.data.sequence.items.start
        while let currentItem = item, currentItem != valueNode.pointee.data.sequence.items.top {
          if let itemNode = node(currentItem.pointee), let value = text(itemNode) { items.append(value) }
          item = currentItem + 1
        }
        if sequences[key] == nil { sequences[key] = items }
      default:
        continue
      }
    }
  }

  private static let nulls: Set<String> = ["~", "null", "Null", "NULL"]

  /// The scalar value of `key`, trimmed; nil if absent, empty, null or not a scalar.
  func scalar(_ key: String) -> String? { scalars[key] }

  /// A YAML list of scalars, or one string of comma-separated names (`tags: a, b`).
  func list(_ key: String) -> [String] {
    if let items = sequences[key] { return items }
    guard let text = scalars[key] else { return [] }
    return text.split(separator: ",").map { String($0.trimmingSpace) }.filter { !$0.isEmpty }
  }
}

extension Substring {
  var trimmingTrailingSpace: Substring {
    var s = self
    while let last = s.last, last == " " || last == "\t" || last == "\r" { s.removeLast() }
    return s
  }
}

extension StringProtocol {
  /// Without leading and trailing white space (Unicode's White_Space property).
  var trimmingSpace: SubSequence { trimming { $0.properties.isWhitespace } }

  func trimming(_ isTrimmed: (Unicode.Scalar) -> Bool) -> SubSequence {
    let scalars = unicodeScalars
    guard let first = scalars.firstIndex(where: { !isTrimmed($0) }) else { return self[endIndex...] }
    let last = scalars.lastIndex(where: { !isTrimmed($0) })!
    return self[first...last]
  }
}
