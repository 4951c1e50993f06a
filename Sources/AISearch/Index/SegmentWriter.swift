#if canImport(Glibc)
  import Glibc
#endif

/// Builds one segment in memory and writes its four files.
///
/// Every passage is indexed in two fields: the body (its text) and the title (the document's
/// title, the passage's section heading and the words of the file name, e.g. `du.1.txt` →
/// du 1). Title terms are stored under the term prefixed with `Field.titlePrefix`, so both
/// fields share one dictionary and one postings file.
///
/// Calls come in this order: `add(_:)` for each analyzed document (passage ids are given in
/// arrival order, from 0), then `write(directory:name:)` once. Analysis (`analyze`) is
/// separate and needs no writer, so that it can run on several threads.
final class SegmentWriter {
  private var termIndex: [TermKey: Int] = [:]
  private var termNames: [String] = []
  private var postings: [PostingsEncoder] = []
  private(set) var lengths: [UInt32] = []
  private(set) var titleLengths: [UInt32] = []
  private var documents: [PassageStore.StoredDocument] = []
  private var passages: [PassageStore.StoredPassage] = []
  private(set) var tokenCount: UInt64 = 0
  private(set) var titleTokenCount: UInt64 = 0
  /// Roughly the memory the buffered segment holds, for the writer's RAM budget: the
  /// capacity of the postings buffers, the stored text (kept, then copied when the file is
  /// written), and a per-term and per-passage allowance for the Swift objects around them.
  private(set) var estimatedBytes = 0

  init() {}

  var passageCount: Int { passages.count }

  /// A document with each passage's terms and positions, per field, ready to be added.
  struct AnalyzedDocument {
    /// One field of one passage: its distinct terms (with their field prefix) and each
    /// one's ascending positions, `positions[starts[i]..<starts[i + 1]]` for `terms[i]`.
    /// Flat arrays, not an array per term: a passage has dozens of terms, a large tier
    /// hundreds of millions of (passage, term) pairs.
    struct FieldTerms {
      var terms: [TermKey]
      var starts: [Int32]
      var positions: [Int32]
      var length: Int
    }

    var document: Document
    var body: [FieldTerms]
    var title: [FieldTerms]
  }

  /// Analyzes every passage of `document` (body and title field) with `analyzer`.
  static func analyze(_ document: Document, with analyzer: Analyzer) throws -> AnalyzedDocument {
    let fileWords = Field.fileNameWords(document.path)
    var body: [AnalyzedDocument.FieldTerms] = []
    var title: [AnalyzedDocument.FieldTerms] = []
    // Consecutive passages share their title text until the section changes: analyzed once.
    var previousTitle: (text: String, terms: AnalyzedDocument.FieldTerms)? = nil
    for passage in document.passages {
      body.append(group(try analyzer.analyze(passage.text), prefix: ""))
      let titleText = [document.title, passage.section, fileWords].compactMap { $0 }.joined(separator: "\n")
      if let previousTitle, previousTitle.text == titleText {
        title.append(previousTitle.terms)
      } else {
        let terms = group(try analyzer.analyze(titleText), prefix: Field.titlePrefix)
        title.append(terms)
        previousTitle = (titleText, terms)
      }
    }
    return AnalyzedDocument(document: document, body: body, title: title)
  }

  private static func group(_ tokens: [Token], prefix: String) -> AnalyzedDocument.FieldTerms {
    // Ordered by term (hash first, the bytes only on equal hashes) and then position, so a
    // term's occurrences are adjacent with their positions ascending (bigrams and the words
    // they start share positions, so token order alone is not enough).
    var keyed = tokens.map { (key: TermKey(prefix.isEmpty ? $0.term : prefix + $0.term), position: $0.position) }
    keyed.sort { a, b in
      if a.key.hash != b.key.hash { return a.key.hash < b.key.hash }
      if a.key != b.key { return a.key.term.utf8.lexicographicallyPrecedes(b.key.term.utf8) }
      return a.position < b.position
    }
    var field = AnalyzedDocument.FieldTerms(terms: [], starts: [], positions: [], length: tokens.count)
    field.positions.reserveCapacity(keyed.count)
    for (i, entry) in keyed.enumerated() {
      if i == 0 || entry.key != keyed[i - 1].key {
        field.terms.append(entry.key)
        field.starts.append(Int32(field.positions.count))
      }
      field.positions.append(entry.position)
    }
    field.starts.append(Int32(field.positions.count))
    return field
  }

  /// Adds an analyzed document; returns the id of its first passage.
  @discardableResult
  func add(_ analyzed: AnalyzedDocument) -> UInt32 {
    let document = analyzed.document
    let first = UInt32(passages.count)
    let documentIndex = documents.count
    documents.append(
      PassageStore.StoredDocument(
        path: document.path, title: document.title, url: document.url, date: document.date, tags: document.tags))
    for (i, passage) in document.passages.enumerated() {
      let doc = UInt32(passages.count)
      passages.append(
        PassageStore.StoredPassage(
          document: documentIndex, lineStart: passage.lineStart, lineEnd: passage.lineEnd, section: passage.section,
          text: passage.text))
      estimatedBytes += 2 * passage.text.utf8.count + 160
      lengths.append(UInt32(analyzed.body[i].length))
      tokenCount += UInt64(analyzed.body[i].length)
      addPostings(analyzed.body[i], doc: doc)
      titleLengths.append(UInt32(analyzed.title[i].length))
      titleTokenCount += UInt64(analyzed.title[i].length)
      addPostings(analyzed.title[i], doc: doc)
    }
    return first
  }

  private func addPostings(_ field: AnalyzedDocument.FieldTerms, doc: UInt32) {
    for (i, key) in field.terms.enumerated() {
      let index: Int
      if let known = termIndex[key] {
        index = known
      } else {
        index = termNames.count
        termIndex[key] = index
        termNames.append(key.term)
        postings.append(PostingsEncoder())
        estimatedBytes += 2 * key.term.utf8.count + 224
      }
      let before = postings[index].bytes.capacity
      postings[index].add(doc: doc, positions: field.positions[Int(field.starts[i])..<Int(field.starts[i + 1])])
      estimatedBytes += postings[index].bytes.capacity - before
    }
  }

  /// Writes Name.terms, Name.postings, Name.lengths and Name.passages (each fsynced),
  /// compressing the stored passages on `threads` threads.
  func write(directory: String, name: String, threads: Int = 1) throws {
    // Sorted by their UTF-8 bytes without copying them out first (a large segment has
    // millions of terms, and a byte array each was a tenth of the flush's memory): by their
    // first eight bytes as one integer, the rest compared only on ties.
    let prefixes = termNames.map { term -> UInt64 in
      var key: UInt64 = 0
      var shift: UInt64 = 56
      for byte in term.utf8.prefix(8) {
        key |= UInt64(byte) << shift
        shift &-= 8
      }
      return key
    }
    let order = termNames.indices.sorted {
      prefixes[$0] != prefixes[$1]
        ? prefixes[$0] < prefixes[$1] : termNames[$0].utf8.lexicographicallyPrecedes(termNames[$1].utf8)
    }
    var files = try SegmentFiles(directory: directory, name: name, bodyLengths: lengths, titleLengths: titleLengths)
    for index in order {
      try files.add(term: Array(termNames[index].utf8), postings[index])
      postings[index] = PostingsEncoder()  // copied into the file: free it now, not after
    }
    try files.finish(documents: documents, passages: passages, threads: threads)
  }
}

/// The serializer both the segment writer and the merger end with: terms arrive in order
/// with their encoded postings, which are written out as they come (a segment's postings
/// are never held whole), then the other three files are written (each fsynced).
struct SegmentFiles {
  private let postingsFile: FileAppender
  private var pending = FileFormat.header(.postings)
  private var written = 0
  private var crc = CRC32.initial
  private var entries: [(term: [UInt8], info: TermDictionary.Info)] = []
  private let bodyLengths: [UInt32]
  private let titleLengths: [UInt32]
  private let base: String

  /// Starts Name.postings in `directory`; the passages' field lengths give the postings'
  /// block bounds and the lengths file.
  init(directory: String, name: String, bodyLengths: [UInt32], titleLengths: [UInt32]) throws {
    base = directory + "/" + name
    postingsFile = try FileAppender(base + ".postings")
    self.bodyLengths = bodyLengths
    self.titleLengths = titleLengths
  }

  /// Appends a term (after every term before it in byte order) and its postings.
  mutating func add(term: [UInt8], _ buffer: PostingsEncoder) throws {
    let encoded = try Postings.encode(buffer, lengths: term.first == Field.titlePrefixByte ? titleLengths : bodyLengths)
    entries.append(
      (term,
       TermDictionary.Info(
        docFreq: UInt32(buffer.docFreq), postingsOffset: UInt64(written + pending.count),
        postingsLength: UInt32(encoded.count))))
    pending.bytes.append(contentsOf: encoded)
    if pending.count >= 1 << 20 { try flushPostings() }
  }

  private mutating func flushPostings() throws {
    crc = CRC32.update(crc, pending.bytes)
    try postingsFile.append(pending.bytes)
    written += pending.count
    pending.bytes.removeAll(keepingCapacity: true)
  }

  /// Ends Name.postings and writes Name.terms, Name.lengths and Name.passages.
  mutating func finish(
    documents: [PassageStore.StoredDocument], passages: [PassageStore.StoredPassage], threads: Int = 1
  ) throws {
    try flushPostings()
    var footer = ByteWriter()
    footer.u32(CRC32.finish(crc))
    footer.bytes.append(contentsOf: FileFormat.footerMagic)
    try postingsFile.append(footer.bytes)
    try postingsFile.finish()
    try FileSystem.writeFile(base + ".terms", TermDictionary.serialize(entries))
    try FileSystem.writeFile(base + ".lengths", PassageLengths.serialize(body: bodyLengths, title: titleLengths))
    try FileSystem.writeFile(
      base + ".passages", chunks: try PassageStore.serializedChunks(documents: documents, passages: passages, threads: threads))
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

/// A term as a dictionary key that hashes and compares its UTF-8 bytes. Analyzed terms are
/// already normalized, so byte equality is the equality that matters, and it skips the
/// Unicode canonical-equivalence work String's own hashing and == do for non-ASCII text
/// (a third of the indexing time went there). The bytes are hashed once (FNV-1a), by the
/// analysis workers, not by every dictionary operation on the writer's single thread.
struct TermKey: Hashable {
  let term: String
  let hash: UInt64

  init(_ term: String) {
    var term = term
    term.makeContiguousUTF8()
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in term.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    self.term = term
    self.hash = hash
  }

  func hash(into hasher: inout Hasher) {
    hasher.combine(hash)
  }

  static func == (a: TermKey, b: TermKey) -> Bool {
    guard a.hash == b.hash else { return false }
    var x = a.term
    var y = b.term
    return x.withUTF8 { p in y.withUTF8 { q in p.count == q.count && (p.count == 0 || memcmp(p.baseAddress!, q.baseAddress!, p.count) == 0) } }
  }
}
