/// Builds one segment in memory and writes its four files.
///
/// Calls come in this order: `add(document:)` for each document (passage ids are given in
/// arrival order, from 0), then `write(directory:name:)` once.
final class SegmentWriter {
  private let analyzer: Analyzer
  private var termIndex: [String: Int] = [:]
  private var termNames: [String] = []
  private var postings: [PostingsEncoder] = []
  private(set) var lengths: [UInt32] = []
  private var documents: [PassageStore.StoredDocument] = []
  private var passages: [PassageStore.StoredPassage] = []
  private(set) var tokenCount: UInt64 = 0

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
    for passage in document.passages {
      try addPassage(passage.text, document: documentIndex, lineStart: passage.lineStart, lineEnd: passage.lineEnd)
    }
    return first
  }

  private func addPassage(_ text: String, document: Int, lineStart: Int, lineEnd: Int) throws {
    let doc = UInt32(passages.count)
    passages.append(PassageStore.StoredPassage(document: document, lineStart: lineStart, lineEnd: lineEnd, text: text))
    let tokens = try analyzer.analyze(text)
    lengths.append(UInt32(tokens.count))
    tokenCount += UInt64(tokens.count)
    var byTerm: [String: [Int32]] = [:]
    for token in tokens { byTerm[token.term, default: []].append(token.position) }
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
    try FileSystem.writeFile(base + ".lengths", PassageLengths.serialize(lengths))
    try FileSystem.writeFile(base + ".passages", PassageStore.serialize(documents: documents, passages: passages))
  }
}
