import CPrefetch
import Dispatch
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
/// arrival order, from 0), then `write()` once. Analysis (`analyze`) is
/// separate and needs no writer, so that it can run on several threads.
final class SegmentWriter {
  private var terms = TermTable()
  private let postings = PostingsPool()
  private var tables = PassageTables()
  private let store: PassageStore.Writer
  private var documentCount = 0
  private(set) var tokenCount: UInt64 = 0
  private(set) var titleTokenCount: UInt64 = 0
  /// The per-passage tables, for the writer's RAM budget.
  private var otherBytes = 0

  let directory: String
  let name: String

  /// A segment to be written as `name`.* in `directory`; its stored passages are written
  /// there as they are compressed. `passageDictionary`: their zstd dictionary, when an
  /// earlier segment of the run has trained one.
  init(directory: String, name: String, passageDictionary: PassageStore.Writer.Trained? = nil) throws {
    self.directory = directory
    self.name = name
    store = try PassageStore.Writer(path: directory + "/" + name + ".passages", dictionary: passageDictionary)
  }

  /// The stored passages' dictionary, once this segment has trained it.
  var passageDictionary: PassageStore.Writer.Trained? { store.trained }

  /// Roughly the memory the buffered segment holds: terms, postings, stored passages.
  var estimatedBytes: Int { otherBytes + terms.estimatedBytes + postings.estimatedBytes + store.estimatedBytes }

  var passageCount: Int { store.passageCount }

  /// A document's terms with their postings over its passages, both fields, ready to be
  /// added: made on an analysis thread (`analyze`), so that the writer's single thread looks
  /// each term up once per document and copies its postings as they are. Flat arrays for
  /// the whole document, not an array per passage or per term: a large tier has hundreds of
  /// millions of (passage, term) pairs.
  struct AnalyzedDocument {
    var document: Document
    /// Per passage: its body and title lengths in tokens, and its `CopySignature`.
    var bodyLengths: [UInt32] = []
    var titleLengths: [UInt32] = []
    var signatures: [UInt16] = []
    /// The document's `ListShare`, which each of its passages carries.
    var listShare: UInt8 = 0
    /// The document's terms (a title term with its field prefix), ids in order of first
    /// occurrence. Term j occurs in `counts[j]` passages, the first `firsts[j]` and the last
    /// `lasts[j]` (ids within the document); `streams[streamStarts[j]..<streamStarts[j + 1]]`
    /// is its postings in `PostingsEncoder`'s varint layout without the first passage's id.
    var terms = TermTable(slotCount: 1 << 10)
    var firsts: [UInt32] = []
    var lasts: [UInt32] = []
    var counts: [UInt32] = []
    var streams: [UInt8] = []
    var streamStarts: [Int32] = [0]

    init(document: Document) {
      self.document = document
    }

    var termCount: Int { terms.count }
  }

  /// Makes an `AnalyzedDocument`: each token's term is found (or added) in a table of the
  /// document's terms and its occurrence (term, passage, position) noted; at the end the
  /// occurrences are grouped by term with a counting sort, which keeps passage order, and
  /// each term's postings written. One pass over the tokens: grouping each passage's terms
  /// first (a sort per passage field) and the document's after took a fifth of a large
  /// build's samples.
  struct Inverter {
    private(set) var document: AnalyzedDocument
    /// Every token's (term, passage, position), in order: one array, so that noting one
    /// checks one array's uniqueness.
    private var occurrences: [(term: Int32, passage: UInt32, position: Int32)] = []
    /// The last title's term ids and positions: consecutive passages share their title
    /// until the section changes.
    private var titleTerms: [(term: Int32, position: Int32)] = []
    /// A title term with its field prefix.
    private var prefixed: [UInt8] = []

    init(_ document: Document) {
      self.document = AnalyzedDocument(document: document)
      // Room made at once for what most documents take, so that the arrays are seldom
      // copied as they grow: a token per 4 bytes of text and 8 title tokens per passage
      // (ICU alone makes a word per 6 bytes of the large tier; bigrams add to that, and a
      // page of Han text takes more).
      let passages = document.passages.count
      var textBytes = 0
      for passage in document.passages { textBytes += passage.utf8.count }
      occurrences.reserveCapacity(textBytes / 4 + 8 * passages)
      self.document.bodyLengths.reserveCapacity(passages)
      self.document.titleLengths.reserveCapacity(passages)
      self.document.signatures.reserveCapacity(passages)
    }

    /// Adds the next passage: its body's tokens (`body`) and its title's, analyzed into
    /// `title` unless the title is the previous passage's (nil).
    mutating func addPassage(body: TermList, title: TermList?) {
      let passage = UInt32(document.bodyLengths.count)
      var smallest = UInt64.max
      body.bytes.withUnsafeBufferPointer { bytes in
        for entry in body.entries {
          let term = UnsafeBufferPointer(rebasing: bytes[Int(entry.byteStart)..<Int(entry.byteStart + entry.byteCount)])
          let hash = TermTable.hash(term)
          smallest = min(smallest, CopySignature.mix(hash))
          occurrences.append((Int32(document.terms.insert(term, hash: hash).id), passage, entry.position))
        }
      }
      if let title {
        titleTerms.removeAll(keepingCapacity: true)
        title.bytes.withUnsafeBufferPointer { bytes in
          for entry in title.entries {
            prefixed.removeAll(keepingCapacity: true)
            prefixed.append(Field.titlePrefixByte)
            prefixed.append(contentsOf: bytes[Int(entry.byteStart)..<Int(entry.byteStart + entry.byteCount)])
            let id = prefixed.withUnsafeBufferPointer { document.terms.insert($0, hash: TermTable.hash($0)).id }
            titleTerms.append((Int32(id), entry.position))
          }
        }
      }
      for (term, position) in titleTerms { occurrences.append((term, passage, position)) }
      document.bodyLengths.append(UInt32(body.entries.count))
      document.titleLengths.append(UInt32(titleTerms.count))
      document.signatures.append(CopySignature.signature(ofSmallest: smallest))
    }

    /// The document, its terms' postings written.
    mutating func finish() -> AnalyzedDocument {
      let termCount = document.termCount
      let n = occurrences.count
      var starts = [Int](repeating: 0, count: termCount + 1)
      for occurrence in occurrences { starts[Int(occurrence.term) + 1] += 1 }
      for j in 0..<termCount { starts[j + 1] += starts[j] }
      // Each occurrence as passage << 32 | position, grouped by term, passage order kept.
      var grouped = [UInt64](repeating: 0, count: n)
      var next = starts
      grouped.withUnsafeMutableBufferPointer { grouped in
        for occurrence in occurrences {
          let t = Int(occurrence.term)
          grouped[next[t]] = UInt64(occurrence.passage) << 32 | UInt64(UInt32(bitPattern: occurrence.position))
          next[t] += 1
        }
      }
      document.firsts.reserveCapacity(termCount)
      document.lasts.reserveCapacity(termCount)
      document.counts.reserveCapacity(termCount)
      document.streamStarts.reserveCapacity(termCount + 1)
      // Written through a pointer; room is made before each passage for the longest it can
      // take (a passage delta and a frequency, then a position delta per occurrence, 5
      // bytes each at most), most streams being a byte or two per occurrence.
      var capacity = 2 * n + 64
      var out = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
      defer { out.deallocate() }
      var count = 0
      @inline(__always) func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
          out[count] = UInt8(truncatingIfNeeded: v) | 0x80
          v >>= 7
          count += 1
        }
        out[count] = UInt8(v)
        count += 1
      }
      grouped.withUnsafeMutableBufferPointer { grouped in
        for j in 0..<termCount {
          var k = starts[j]
          let end = starts[j + 1]
          var previous: UInt32 = 0
          var passages: UInt32 = 0
          while k < end {
            // One passage's occurrences of the term, in token order; bigrams come after the
            // words of their Han run, so positions are sorted where they are not ascending.
            let passage = UInt32(truncatingIfNeeded: grouped[k] >> 32)
            var groupEnd = k + 1
            var ascending = true
            while groupEnd < end && UInt32(truncatingIfNeeded: grouped[groupEnd] >> 32) == passage {
              if grouped[groupEnd] < grouped[groupEnd - 1] { ascending = false }
              groupEnd += 1
            }
            if !ascending {
              var group = UnsafeMutableBufferPointer(rebasing: grouped[k..<groupEnd])
              group.sort()
            }
            let most = count + 10 + 5 * (groupEnd - k)
            if most > capacity {
              capacity = max(2 * capacity, most)
              let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
              grown.update(from: out, count: count)
              out.deallocate()
              out = grown
            }
            if passages == 0 { document.firsts.append(passage) } else { varint(UInt64(passage - previous)) }
            previous = passage
            passages += 1
            // PostingsEncoder's layout: the frequency, then the position deltas.
            varint(UInt64(groupEnd - k))
            var position: UInt32 = 0
            for m in k..<groupEnd {
              let next = UInt32(truncatingIfNeeded: grouped[m])
              varint(UInt64(next - position))
              position = next
            }
            k = groupEnd
          }
          document.lasts.append(previous)
          document.counts.append(passages)
          document.streamStarts.append(Int32(count))
        }
      }
      document.streams = Array(UnsafeBufferPointer(start: out, count: count))
      return document
    }
  }

  /// Analyzes every passage of `document` (body and title field) with `analyzer`.
  static func analyze(_ document: Document, with analyzer: Analyzer) throws -> AnalyzedDocument {
    let fileWords = Field.fileNameWords(document.path)
    var inverter = Inverter(document)
    // Consecutive passages share their title text until the section changes: analyzed once.
    // The document's title and file words are the same for all its passages, so the text
    // changes exactly when the section does (nil and "" give different texts).
    var previousSection: String? = nil
    var title = TermList()
    for (i, passage) in document.passages.enumerated() {
      let titleChanged = i == 0 || passage.section != previousSection
      if titleChanged {
        try analyzer.indexTerms([document.title, passage.section, fileWords].compactMap { $0 }.joined(separator: "\n"))
        title = analyzer.terms
        previousSection = passage.section
      }
      try analyzer.indexTerms(utf8: passage.utf8)
      inverter.addPassage(body: analyzer.terms, title: titleChanged ? title : nil)
    }
    var analyzed = inverter.finish()
    analyzed.listShare = ListShare.of(document.passages)
    return analyzed
  }

  /// Adds an analyzed document; returns the id of its first passage.
  @discardableResult
  func add(_ analyzed: AnalyzedDocument) throws -> UInt32 {
    let document = analyzed.document
    let first = UInt32(store.passageCount)
    let documentIndex = documentCount
    documentCount += 1
    store.add(
      PassageStore.StoredDocument(
        path: document.path, title: document.title, url: document.url, date: document.date, tags: document.tags))
    for (i, passage) in document.passages.enumerated() {
      try passage.utf8.withUnsafeBufferPointer { text in
        try store.addPassage(
          document: documentIndex, lineStart: passage.lineStart, lineEnd: passage.lineEnd, section: passage.section,
          text: text)
      }
      otherBytes += 9
      tables.append(
        body: analyzed.bodyLengths[i], title: analyzed.titleLengths[i], signature: analyzed.signatures[i],
        listShare: analyzed.listShare)
      tokenCount += UInt64(analyzed.bodyLengths[i])
      titleTokenCount += UInt64(analyzed.titleLengths[i])
    }
    addPostings(analyzed, base: first)
    return first
  }

  /// Term ids of the document being added (kept to reuse its storage).
  private var documentTermIds: [Int] = []
  /// How many terms ahead the writer asks for the table entries a term will need.
  private static let prefetchDistance = 16

  /// The segment's term table and postings records are far larger than the caches, and a
  /// document's terms land anywhere in them: each term's slot is asked for a few terms
  /// before it is looked up, and, once every term's id is known, each term's postings
  /// record before its postings are appended (the writer's thread spent most of its time
  /// waiting on those reads).
  private func addPostings(_ analyzed: AnalyzedDocument, base: UInt32) {
    let count = analyzed.termCount
    let ahead = SegmentWriter.prefetchDistance
    // The table and the ids are worked on in local values: through the class, each access
    // retained and released their arrays.
    var table = TermTable.placeholder
    var ids: [Int] = []
    swap(&table, &terms)
    swap(&ids, &documentTermIds)
    defer {
      swap(&table, &terms)
      swap(&ids, &documentTermIds)
    }
    ids.removeAll(keepingCapacity: true)
    let documentTerms = analyzed.terms
    for j in 0..<min(ahead, count) { table.prefetch(hash: documentTerms.hash(of: j)) }
    for j in 0..<count {
      // The slot, then the term's record (the slot at hand by then), then its bytes (the
      // record at hand): each a load the insert would otherwise wait for.
      if j + ahead < count { table.prefetch(hash: documentTerms.hash(of: j + ahead)) }
      if j + ahead / 2 < count { table.prefetchRecord(hash: documentTerms.hash(of: j + ahead / 2)) }
      if j + ahead / 4 < count { table.prefetchBytes(hash: documentTerms.hash(of: j + ahead / 4)) }
      let (index, isNew) = documentTerms.bytes(of: j).withUnsafeBufferPointer {
        table.insert($0, hash: documentTerms.hash(of: j))
      }
      if isNew {
        _ = postings.addTerm()
      }
      ids.append(index)
    }
    analyzed.streams.withUnsafeBufferPointer { streams in
      for j in 0..<min(ahead, count) { postings.prefetch(term: ids[j]) }
      for j in 0..<count {
        // The record, then the byte its stream goes on at (the record at hand by then).
        if j + ahead < count { postings.prefetch(term: ids[j + ahead]) }
        if j + ahead / 2 < count { postings.prefetchTail(term: ids[j + ahead / 2]) }
        postings.append(
          term: ids[j], firstDoc: base + analyzed.firsts[j], lastDoc: base + analyzed.lasts[j],
          count: analyzed.counts[j],
          stream: UnsafeBufferPointer(rebasing: streams[Int(analyzed.streamStarts[j])..<Int(analyzed.streamStarts[j + 1])]))
      }
    }
  }

  /// Writes Name.terms, Name.postings, Name.lengths and Name.passages (each fsynced).
  func write() throws {
    let order = terms.idsInByteOrder()
    var files = try SegmentFiles(directory: directory, name: name, tables: tables)
    // Terms are encoded in runs on every core and appended in order: the analysis workers
    // wait while a segment is written, and encoding was all of a write's time but the
    // sort (large tier: 2.5 s of one core per 190 MB segment).
    let threads = max(1, min(SegmentWriter.encodingThreads, order.count / SegmentWriter.termsPerRun))
    var start = 0
    while start < order.count {
      let runs = (0..<threads).map { t -> Range<Int> in
        let low = min(order.count, start + t * SegmentWriter.termsPerRun)
        return low..<min(order.count, low + SegmentWriter.termsPerRun)
      }
      var encoded = [[(docFreq: Int, bytes: [UInt8])]](repeating: [], count: threads)
      let encoder = files
      encoded.withUnsafeMutableBufferPointer { results in
        DispatchQueue.concurrentPerform(iterations: threads) { t in
          var docs: [UInt32] = []
          var freqs: [UInt32] = []
          var positionDeltas: [UInt32] = []
          results[t].reserveCapacity(runs[t].count)
          // Terms come in byte order, their streams anywhere in the pool: each term's record
          // and first bytes are asked for a few terms ahead.
          let run = runs[t]
          for (k, index) in order[run].enumerated() {
            let at = run.lowerBound + k
            let ahead = SegmentWriter.prefetchDistance
            if at + ahead < run.upperBound { postings.prefetch(term: order[at + ahead]) }
            if at + ahead / 2 < run.upperBound { postings.prefetchStream(term: order[at + ahead / 2]) }
            postings.read(term: index, docs: &docs, freqs: &freqs, positionDeltas: &positionDeltas)
            results[t].append(
              (docs.count,
                encoder.encode(term: terms.bytes(of: index), docs: docs, freqs: freqs, positionDeltas: positionDeltas)))
          }
        }
      }
      for (t, run) in runs.enumerated() {
        for (k, index) in order[run].enumerated() {
          try files.add(term: Array(terms.bytes(of: index)), encoded: encoded[t][k].bytes, docFreq: encoded[t][k].docFreq)
        }
      }
      start = runs.last!.upperBound
    }
    _ = try store.finish()
    try files.finish()
  }

  /// Threads that encode a segment's postings, and the terms each takes at a time.
  static let encodingThreads = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
  static let termsPerRun = 4096
}

/// The capacity an array doubling as it grows has at `count` elements: the writer flushes
/// on estimates made with it. An array's own `capacity` is what malloc handed out, which
/// varies with what was freed before, and made segment cuts, so the index, differ between
/// runs of the same input (medium tier at --ram-mb 24: up to 17 of 21 files).
func grownCapacity(_ count: Int) -> Int {
  count <= 1 ? count : 1 << (Int.bitWidth - (count - 1).leadingZeroBitCount)
}

/// The serializer both the segment writer and the merger end with: terms arrive in order
/// with their encoded postings, which are written out as they come (a segment's postings
/// are never held whole), then the terms and lengths files are written (each fsynced). The
/// passages file is the `PassageStore.Writer`'s, written beside it.
struct SegmentFiles {
  private let postingsFile: FileAppender
  private var pending = FileFormat.header(.postings)
  private var written = 0
  private var crc = CRC32.initial
  private var dictionary = TermDictionary.Builder()
  private let tables: PassageTables
  private let base: String

  /// Starts Name.postings in `directory`; the passages' field lengths give the postings'
  /// block bounds, and the tables are the lengths file.
  init(directory: String, name: String, tables: PassageTables) throws {
    base = directory + "/" + name
    postingsFile = try FileAppender(base + ".postings")
    self.tables = tables
  }

  /// Appends a term (after every term before it in byte order) and its postings.
  mutating func add(term: [UInt8], _ buffer: PostingsEncoder) throws {
    let (docs, freqs, positionDeltas) = try buffer.flattened()
    try add(term: term, docs: docs, freqs: freqs, positionDeltas: positionDeltas)
  }

  /// The same from flat arrays (`Postings.encode(docs:freqs:positionDeltas:lengths:)`).
  mutating func add(term: [UInt8], docs: [UInt32], freqs: [UInt32], positionDeltas: [UInt32]) throws {
    try add(term: term, encoded: encode(term: term, docs: docs, freqs: freqs, positionDeltas: positionDeltas), docFreq: docs.count)
  }

  /// A term's postings encoded over its field's lengths; reads nothing `add` changes, so
  /// several threads may encode at once.
  func encode<Term: Collection<UInt8>>(term: Term, docs: [UInt32], freqs: [UInt32], positionDeltas: [UInt32]) -> [UInt8] {
    Postings.encode(
      docs: docs, freqs: freqs, positionDeltas: positionDeltas,
      lengths: term.first == Field.titlePrefixByte ? tables.title : tables.body)
  }

  /// The same with the postings already encoded (by `encode`).
  mutating func add(term: [UInt8], encoded: [UInt8], docFreq: Int) throws {
    dictionary.add(
      term,
      TermDictionary.Info(
        docFreq: UInt32(docFreq), postingsOffset: UInt64(written + pending.count),
        postingsLength: UInt32(encoded.count)))
    pending.bytes.append(contentsOf: encoded)
    if pending.count >= 1 << 20 { try flushPostings() }
  }

  private mutating func flushPostings() throws {
    crc = CRC32.update(crc, pending.bytes)
    try postingsFile.append(pending.bytes)
    written += pending.count
    pending.bytes.removeAll(keepingCapacity: true)
  }

  /// Ends Name.postings and writes Name.terms and Name.lengths.
  mutating func finish() throws {
    try flushPostings()
    var footer = ByteWriter()
    footer.u32(CRC32.finish(crc))
    footer.bytes.append(contentsOf: FileFormat.footerMagic)
    try postingsFile.append(footer.bytes)
    try postingsFile.finish()
    try FileSystem.writeFile(base + ".terms", dictionary.finish())
    try FileSystem.writeFile(base + ".lengths", PassageLengths.serialize(tables))
  }
}

/// The two fields of a passage.
enum Field {
  /// Prepended to a term to name it in the title field. U+0001 never starts an analyzed term.
  static let titlePrefix = "\u{1}"
  static let titlePrefixByte: UInt8 = 0x01

  /// The words of a file's name without its last extension: `man1/du.1.txt` → "du 1".
  /// On the path's bytes, as the file system separates names (through Characters, this
  /// was 1.5% of a large build's samples).
  static func fileNameWords(_ path: String) -> String {
    var path = path
    return path.withUTF8 { bytes in
      var nameEnd = bytes.count
      while nameEnd > 0 && bytes[nameEnd - 1] == UInt8(ascii: "/") { nameEnd -= 1 }
      var start = nameEnd
      while start > 0 && bytes[start - 1] != UInt8(ascii: "/") { start -= 1 }
      // The last dot after the name's first byte ends it.
      var end = nameEnd
      while end > start + 1 && bytes[end - 1] != UInt8(ascii: ".") { end -= 1 }
      end = end > start + 1 ? end - 1 : nameEnd
      let words = bytes[start..<end].map { byte -> UInt8 in
        byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") ? UInt8(ascii: " ") : byte
      }
      return String(decoding: words, as: UTF8.self)
    }
  }
}

/// The segment's terms: their UTF-8 bytes in one buffer, found by an open-addressing hash
/// table over the FNV-1a hashes the analysis workers computed. A Dictionary keyed by
/// String hashed and compared with Unicode canonical equivalence, and kept a String per
/// term (a third of the indexing time went there); analyzed terms are already normalized,
/// so byte equality is the equality that matters.
struct TermTable {
  static let fnvBasis: UInt64 = 0xcbf2_9ce4_8422_2325
  @inline(__always)
  static func fnv(_ hash: UInt64, _ byte: UInt8) -> UInt64 { (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }

  private var arena: [UInt8] = []
  /// Per term: its hash, and where its bytes are in `arena`.
  private var records: [(hash: UInt64, start: UInt32, count: UInt32)] = []
  /// Per slot: the high 32 bits of a term's hash and its id + 1 (0 when empty); a power of
  /// two, at most half full. A probe compares hash bits in the slot before it touches the
  /// term's record, and the bytes only when the whole hash matches.
  private var slots = [UInt64](repeating: 0, count: 1 << 12)

  /// Stands in for a segment's table while it is worked on.
  static let placeholder = TermTable(slotCount: 1)

  init(slotCount: Int = 1 << 12) {
    slots = [UInt64](repeating: 0, count: slotCount)
  }

  var count: Int { records.count }

  /// Memory held by the table, counting the arrays' spare capacity.
  var estimatedBytes: Int { grownCapacity(arena.count) + grownCapacity(records.count) * 16 + slots.count * 8 }

  func bytes(of id: Int) -> ArraySlice<UInt8> {
    arena[Int(records[id].start)..<Int(records[id].start + records[id].count)]
  }

  func hash(of id: Int) -> UInt64 { records[id].hash }

  /// The FNV-1a hash of a term's bytes, as the table is looked up by.
  static func hash(_ term: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var hash = fnvBasis
    for byte in term { hash = fnv(hash, byte) }
    return hash
  }

  /// Asks for the slot a term hashed `hash` is looked up in first.
  @inline(__always)
  func prefetch(hash: UInt64) {
    slots.withUnsafeBufferPointer { aisearch_prefetch($0.baseAddress! + (Int(truncatingIfNeeded: hash) & ($0.count - 1))) }
  }

  /// The id of the term its first slot holds, if that slot's hash bits are `hash`'s.
  @inline(__always)
  private func firstCandidate(hash: UInt64) -> Int? {
    let entry = slots[Int(truncatingIfNeeded: hash) & (slots.count - 1)]
    guard entry != 0, entry & 0xFFFF_FFFF_0000_0000 == hash & 0xFFFF_FFFF_0000_0000 else { return nil }
    return Int(entry & 0xFFFF_FFFF) - 1
  }

  /// Asks for the record of the term in the first slot of `hash`, if its hash bits match
  /// (the slot should have been asked for).
  @inline(__always)
  func prefetchRecord(hash: UInt64) {
    guard let id = firstCandidate(hash: hash) else { return }
    records.withUnsafeBufferPointer { aisearch_prefetch($0.baseAddress! + id) }
  }

  /// Asks for that term's bytes (its record should have been asked for).
  @inline(__always)
  func prefetchBytes(hash: UInt64) {
    guard let id = firstCandidate(hash: hash) else { return }
    let start = Int(records[id].start)
    arena.withUnsafeBufferPointer { aisearch_prefetch($0.baseAddress! + start) }
  }

  /// The id of `term`, added with the next id if it is new.
  @inline(__always)
  mutating func insert(_ term: UnsafeBufferPointer<UInt8>, hash: UInt64) -> (id: Int, isNew: Bool) {
    let high = hash & 0xFFFF_FFFF_0000_0000
    var mask = slots.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while true {
      let entry = slots[slot]
      if entry == 0 { break }
      if entry & 0xFFFF_FFFF_0000_0000 == high {
        let id = Int(entry & 0xFFFF_FFFF) - 1
        let record = records[id]
        if record.hash == hash && Int(record.count) == term.count
          && arena.withUnsafeBufferPointer({ memcmp($0.baseAddress! + Int(record.start), term.baseAddress!, term.count) == 0 })
        {
          return (id, false)
        }
      }
      slot = (slot + 1) & mask
    }
    let id = records.count
    // Grown by doubling as `append` would, into storage on huge pages once it is large.
    if records.count == records.capacity { records = HugePages.grown(records, capacity: max(16, 2 * records.count)) }
    records.append((hash, UInt32(arena.count), UInt32(term.count)))
    if arena.count + term.count > arena.capacity {
      arena = HugePages.grown(arena, capacity: max(64, 2 * arena.count, arena.count + term.count))
    }
    arena.append(contentsOf: term)
    if 2 * records.count > slots.count {
      slots = HugePages.array(repeating: 0, count: 2 * slots.count)
      mask = slots.count - 1
      for (other, record) in records.enumerated() {
        var s = Int(truncatingIfNeeded: record.hash) & mask
        while slots[s] != 0 { s = (s + 1) & mask }
        slots[s] = record.hash & 0xFFFF_FFFF_0000_0000 | UInt64(other + 1)
      }
    } else {
      slots[slot] = high | UInt64(id + 1)
    }
    return (id, true)
  }

  /// Term ids ordered by their UTF-8 bytes: by their first eight bytes as one integer, the
  /// rest compared only on ties (no byte array per term: a large segment has millions).
  func idsInByteOrder() -> [Int] {
    arena.withUnsafeBufferPointer { arena in
      let prefixes = records.map { record -> UInt64 in
        var key: UInt64 = 0
        var shift: UInt64 = 56
        for k in Int(record.start)..<(Int(record.start) + min(Int(record.count), 8)) {
          key |= UInt64(arena[k]) << shift
          shift &-= 8
        }
        return key
      }
      func term(_ id: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: arena[Int(records[id].start)..<Int(records[id].start + records[id].count)])
      }
      return (0..<count).sorted {
        prefixes[$0] != prefixes[$1] ? prefixes[$0] < prefixes[$1] : term($0).lexicographicallyPrecedes(term($1))
      }
    }
  }
}
