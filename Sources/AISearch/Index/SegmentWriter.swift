/// Builds one segment in memory and writes its four files.
///
/// Every passage is indexed in two fields: the body (its text) and the title (the document's
/// title, the passage's section heading and the words of the file name, e.g. `du.1.txt` →
/// du 1). Title terms are stored under the term prefixed with `Field.titlePrefix`, so both
/// fields share one dictionary and one postings file.
///
/// Calls come in this order: `add(document:)` for each document (passage ids are given in
/// arrival order, from 0), then `write(directory:name:)` once.
final class SegmentWriter {
  private let analyzer: Analyzer
  private var termIndex: [String: Int] = [:]
  private var termNames: [String] = []
  private var postings: [PostingsEncoder] = []
  private(set) var lengths: [UInt32] = []
  private(set) var titleLengths: [UInt32] = []
  private var documents: [PassageStore.StoredDocument] = []
  private var passages: [PassageStore.StoredPassage] = []
  private(set) var tokenCount: UInt64 = 0
  private(set) var titleTokenCount: UInt64 = 0

  init(analyzer: Analyzer) {
    self.analyzer = analyzer
  }

  var passageCount: Int { passages.count }

  /// Adds a document; returns the id of its first passage.
  @discardableResult
  func add(document: Document) throws -> UInt32 {
    let first = UInt32(passages.count)
    let documentIndex = documents.count
    documents.append(
      PassageStore.StoredDocument(path: document.path, title: document.title, url: document.url, date: document.date))
    let fileWords = Field.fileNameWords(document.path)
    for passage in document.passages {
      let doc = UInt32(passages.count)
      passages.append(
        PassageStore.StoredPassage(
          document: documentIndex, lineStart: passage.lineStart, lineEnd: passage.lineEnd, section: passage.section,
          text: passage.text))
      let body = try analyzer.analyze(passage.text)
      lengths.append(UInt32(body.count))
      tokenCount += UInt64(body.count)
      try addPostings(body, doc: doc, prefix: "")
      let titleText = [document.title, passage.section, fileWords].compactMap { $0 }.joined(separator: "\n")
      let title = try analyzer.analyze(titleText)
      titleLengths.append(UInt32(title.count))
      titleTokenCount += UInt64(title.count)
      try addPostings(title, doc: doc, prefix: Field.titlePrefix)
    }
    return first
  }

  private func addPostings(_ tokens: [Token], doc: UInt32, prefix: String) throws {
    var byTerm: [String: [Int32]] = [:]
    for token in tokens { byTerm[prefix + token.term, default: []].append(token.position) }
    for (term, positions) in byTerm {
      let index: Int
      if let known = termIndex[term] {
        index = known
      } else {
        index = termNames.count
        termIndex[term] = index
        termNames.append(term)
        postings.append(PostingsEncoder())
      }
      // Bigrams and the dictionary words that start with them can share a position, so sort.
      postings[index].add(doc: doc, positions: positions.sorted())
    }
  }

  /// Writes Name.terms, Name.postings, Name.lengths and Name.passages (each fsynced).
  func write(directory: String, name: String) throws {
    let order = termNames.indices.map { (Array(termNames[$0].utf8), $0) }
      .sorted { $0.0.lexicographicallyPrecedes($1.0) }
    var postingsFile = FileFormat.header(.postings)
    var entries: [(term: [UInt8], info: TermDictionary.Info)] = []
    entries.reserveCapacity(order.count)
    for (termBytes, index) in order {
      let encoded = postings[index]
      entries.append(
        (termBytes,
         TermDictionary.Info(
          docFreq: UInt32(encoded.docFreq), postingsOffset: UInt64(postingsFile.count),
          postingsLength: UInt32(encoded.bytes.count))))
      postingsFile.bytes.append(contentsOf: encoded.bytes)
    }
    FileFormat.finish(&postingsFile)
    let base = directory + "/" + name
    try FileSystem.writeFile(base + ".postings", postingsFile.bytes)
    try FileSystem.writeFile(base + ".terms", TermDictionary.serialize(entries))
    try FileSystem.writeFile(base + ".lengths", PassageLengths.serialize(body: lengths, title: titleLengths))
    try FileSystem.writeFile(base + ".passages", try PassageStore.serialize(documents: documents, passages: passages))
  }
}

/// The two fields of a passage.
enum Field {
  /// Prepended to a term to name it in the title field. U+0001 never starts an analyzed term.
  static let titlePrefix = "\u{1}"
  static let titlePrefixByte: UInt8 = 0x01

  /// The words of a file's name without its last extension: `man1/du.1.txt` → "du 1".
  static func fileNameWords(_ path: String) -> String {
    var name = Substring(path.split(separator: "/").last ?? "")
    if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = name[..<dot] }
    return String(name.map { $0 == "." || $0 == "_" || $0 == "-" ? " " : $0 })
  }
}
