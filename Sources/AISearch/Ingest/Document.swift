/// A source file turned into searchable passages.
public struct Document: Equatable, Sendable {
  /// The path as grep prints it: the root given to `index` joined with the path below it.
  public var path: String
  public var title: String?
  public var url: String?
  public var date: String?
  /// Front matter tags, as written.
  public var tags: [String] = []
  public var passages: [Passage]
  /// Problems worth reporting that did not stop ingestion (e.g. invalid UTF-8 replaced).
  public var warnings: [String]

  public init(
    path: String, title: String? = nil, url: String? = nil, date: String? = nil,
    passages: [Passage] = [], warnings: [String] = []
  ) {
    self.path = path
    self.title = title
    self.url = url
    self.date = date
    self.passages = passages
    self.warnings = warnings
  }
}

/// About a paragraph of text with the 1-based, inclusive line range it came from.
///
/// Every line of `text` (split on "\n") is found in the source between `lineStart` and
/// `lineEnd` (for HTML, in the tag-stripped rendering of those lines).
public struct Passage: Equatable, Sendable {
  /// The text as UTF-8, valid (cut on scalar boundaries from decoded text): the indexer
  /// reads these bytes and makes no String of them, whose validation was 3% of a large build.
  public var utf8: [UInt8]
  public var text: String {
    get { String(decoding: utf8, as: UTF8.self) }
    set { utf8 = Array(newValue.utf8) }
  }
  public var lineStart: Int
  public var lineEnd: Int
  /// The text of the nearest Markdown heading above the passage (or in it, if it opens it).
  public var section: String?

  public init(text: String, lineStart: Int, lineEnd: Int, section: String? = nil) {
    self.init(utf8: Array(text.utf8), lineStart: lineStart, lineEnd: lineEnd, section: section)
  }

  /// `utf8` must be valid UTF-8.
  init(utf8: [UInt8], lineStart: Int, lineEnd: Int, section: String? = nil) {
    self.utf8 = utf8
    self.lineStart = lineStart
    self.lineEnd = lineEnd
    self.section = section
  }
}
