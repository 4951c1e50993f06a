import Foundation
import Yams

/// Title, source URL, date and tags of a document, from YAML front matter, the first Markdown
/// heading, or an HTML <title>.
public struct Metadata: Equatable, Sendable {
  public var title: String?
  public var url: String?
  public var date: String?
  public var tags: [String]

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
    let yaml = lines[1..<end].joined(separator: "\n")
    var metadata = Metadata()
    if let fields = (try? Yams.load(yaml: yaml)) as? [String: Any] {
      metadata.title = scalar(fields["title"])
      metadata.url = scalar(fields["url"]) ?? scalar(fields["source"]) ?? scalar(fields["link"])
      metadata.date = scalar(fields["date"])
      metadata.tags = ["tags", "tag", "keywords", "categories"].flatMap { list(fields[$0]) }
    }
    return (metadata, end + 1)
  }

  /// The text of a Markdown ATX heading (`## Title` → `Title`), or nil.
  static func heading(_ line: Substring) -> String? {
    let hashes = line.prefix { $0 == "#" }.count
    guard (1...6).contains(hashes) else { return nil }
    let rest = line.dropFirst(hashes)
    guard let space = rest.first, space == " " || space == "\t" else { return nil }
    let text = rest.trimmingCharacters(in: .whitespaces)
      .trimmingCharacters(in: CharacterSet(charactersIn: "#")).trimmingCharacters(in: .whitespaces)
    return text.isEmpty ? nil : text
  }

  /// A YAML list of scalars, or one string of comma-separated names (`tags: a, b`).
  private static func list(_ value: Any?) -> [String] {
    if let items = value as? [Any] { return items.compactMap { scalar($0) } }
    guard let text = scalar(value) else { return [] }
    return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }

  private static func scalar(_ value: Any?) -> String? {
    switch value {
    case let string as String:
      let trimmed = string.trimmingCharacters(in: .whitespacesAndNewlines)
      return trimmed.isEmpty ? nil : trimmed
    case let date as Date:
      let formatter = ISO8601DateFormatter()
      formatter.formatOptions = [.withFullDate]
      return formatter.string(from: date)
    case let number as Int:
      return String(number)
    case let number as Double:
      return String(number)
    default:
      return nil
    }
  }
}

extension Substring {
  var trimmingTrailingSpace: Substring {
    var s = self
    while let last = s.last, last == " " || last == "\t" || last == "\r" { s.removeLast() }
    return s
  }
}
