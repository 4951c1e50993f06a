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
/// arrival order, from 0), then `write(directory:name:)` once. Analysis (`analyze`) is
/// separate and needs no writer, so that it can run on several threads.
final class SegmentWriter {
  private var terms = TermTable()
  private let postings = PostingsPool()
  private(set) var lengths: [UInt32] = []
  private(set) var titleLengths: [UInt32] = []
  private(set) var signatures: [UInt16] = []
  private let store = PassageStore.Writer()
  private var documentCount = 0
  private(set) var tokenCount: UInt64 = 0
  private(set) var titleTokenCount: UInt64 = 0
  /// The per-passage tables, for the writer's RAM budget.
  private var otherBytes = 0

  init() {}

  /// Roughly the memory the buffered segment holds: terms, postings, stored passages.
  var estimatedBytes: Int { otherBytes + terms.estimatedBytes + postings.estimatedBytes + store.estimatedBytes }

  var passageCount: Int { store.passageCount }

  /// A document with each passage's terms and positions, per field, ready to be added.
  /// Flat arrays for the whole document, not an array per passage or per term: a large
  /// tier has hundreds of millions of (passage, term) pairs.
  struct AnalyzedDocument {
    /// The distinct terms of one field of one passage: `terms[first..<first + count]`, and
    /// the field's length in tokens.
    struct FieldTerms {
      var first: Int
      var count: Int
      var length: Int
    }

    var document: Document
    /// Term i is `termBytes[byteStarts[i]..<byteStarts[i + 1]]` (title terms with their
    /// field prefix), hashed `hashes[i]` (FNV-1a of those bytes), at the ascending
    /// positions `positions[positionStarts[i]..<positionStarts[i + 1]]`.
    var termBytes: [UInt8] = []
    var byteStarts: [Int32] = [0]
    var hashes: [UInt64] = []
    var positions: [Int32] = []
    var positionStarts: [Int32] = [0]
    var body: [FieldTerms] = []
    var title: [FieldTerms] = []

    /// The document's distinct terms (both fields) with their postings over its
    /// passages, made by `invert()` on the analysis thread, so that the writer's single
    /// thread looks each term up once per document and copies its postings as they are.
    /// Term j has the bytes and hash of passage-field term `representatives[j]`; it occurs
    /// in `counts[j]` passages, the first `firsts[j]` and the last `lasts[j]` (ids within
    /// the document); `streams[streamStarts[j]..<streamStarts[j + 1]]` is its postings in
    /// `PostingsEncoder`'s varint layout without the first passage's id.
    var representatives: [Int32] = []
    var firsts: [UInt32] = []
    var lasts: [UInt32] = []
    var counts: [UInt32] = []
    var streams: [UInt8] = []
    var streamStarts: [Int32] = [0]

    init(document: Document) {
      self.document = document
    }

    mutating func invert() {
      // (local term, passage, passage-field term), then grouped by local term with a
      // counting sort, which keeps passage order.
      var table = [Int32](repeating: -1, count: 1 << max(4, Int.bitWidth - (2 * hashes.count).leadingZeroBitCount))
      let mask = table.count - 1
      var occurrenceTerm: [Int32] = []
      var occurrencePassage: [UInt32] = []
      var occurrenceSource: [Int32] = []
      occurrenceTerm.reserveCapacity(hashes.count)
      occurrencePassage.reserveCapacity(hashes.count)
      occurrenceSource.reserveCapacity(hashes.count)
      termBytes.withUnsafeBufferPointer { bytes in
        func term(_ t: Int) -> UnsafeBufferPointer<UInt8> {
          UnsafeBufferPointer(rebasing: bytes[Int(byteStarts[t])..<Int(byteStarts[t + 1])])
        }
        func local(_ t: Int) -> Int32 {
          var slot = Int(truncatingIfNeeded: hashes[t]) & mask
          while table[slot] >= 0 {
            let r = Int(representatives[Int(table[slot])])
            if hashes[r] == hashes[t] && term(r).elementsEqual(term(t)) { return table[slot] }
            slot = (slot + 1) & mask
          }
          let new = Int32(representatives.count)
          representatives.append(Int32(t))
          table[slot] = new
          return new
        }
        // Passages that share their title share its terms' range: looked up once.
        var titleLocals: (first: Int, count: Int, locals: [Int32]) = (-1, 0, [])
        for p in body.indices {
          for t in body[p].first..<(body[p].first + body[p].count) {
            occurrenceTerm.append(local(t))
            occurrencePassage.append(UInt32(p))
            occurrenceSource.append(Int32(t))
          }
          let field = title[p]
          if titleLocals.first != field.first || titleLocals.count != field.count {
            titleLocals = (field.first, field.count, (field.first..<(field.first + field.count)).map(local))
          }
          for (k, t) in (field.first..<(field.first + field.count)).enumerated() {
            occurrenceTerm.append(titleLocals.locals[k])
            occurrencePassage.append(UInt32(p))
            occurrenceSource.append(Int32(t))
          }
        }
      }
      let termCount = representatives.count
      var starts = [Int](repeating: 0, count: termCount + 1)
      for local in occurrenceTerm { starts[Int(local) + 1] += 1 }
      for j in 0..<termCount { starts[j + 1] += starts[j] }
      var order = [Int32](repeating: 0, count: occurrenceTerm.count)
      var next = starts
      for (i, local) in occurrenceTerm.enumerated() {
        order[next[Int(local)]] = Int32(i)
        next[Int(local)] += 1
      }
      var writer = ByteWriter()
      writer.bytes.reserveCapacity(2 * positions.count + 2 * occurrenceTerm.count)
      firsts.reserveCapacity(termCount)
      lasts.reserveCapacity(termCount)
      counts.reserveCapacity(termCount)
      for j in 0..<termCount {
        var previous: UInt32 = 0
        for k in starts[j]..<starts[j + 1] {
          let i = Int(order[k])
          let p = occurrencePassage[i]
          if k == starts[j] { firsts.append(p) } else { writer.varint(UInt64(p - previous)) }
          previous = p
          let t = Int(occurrenceSource[i])
          PostingsEncoder.append(positions[Int(positionStarts[t])..<Int(positionStarts[t + 1])], to: &writer)
        }
        lasts.append(previous)
        counts.append(UInt32(starts[j + 1] - starts[j]))
        streamStarts.append(Int32(writer.count))
      }
      streams = writer.bytes
    }

    /// Groups the analyzer's last tokens by term (prefixed with `prefix` unless 0) and
    /// appends them as one field.
    mutating func appendField(_ list: TermList, prefix: UInt8, scratch keys: inout [(hash: UInt64, order: UInt64)])
      -> FieldTerms
    {
      let first = hashes.count
      keys.removeAll(keepingCapacity: true)
      list.bytes.withUnsafeBufferPointer { bytes in
        for (i, entry) in list.entries.enumerated() {
          var hash = TermTable.fnvBasis
          if prefix != 0 { hash = TermTable.fnv(hash, prefix) }
          for k in Int(entry.byteStart)..<Int(entry.byteStart + entry.byteCount) { hash = TermTable.fnv(hash, bytes[k]) }
          // A term's occurrences end up adjacent, positions ascending (bigrams and the words
          // they start share positions, so token order alone is not enough).
          keys.append((hash, UInt64(UInt32(bitPattern: entry.position)) << 32 | UInt64(i)))
        }
        sortTermKeys(&keys)
        func bytesOf(_ key: (hash: UInt64, order: UInt64)) -> UnsafeBufferPointer<UInt8> {
          let entry = list.entries[Int(truncatingIfNeeded: key.order & 0xFFFF_FFFF)]
          return UnsafeBufferPointer(rebasing: bytes[Int(entry.byteStart)..<Int(entry.byteStart + entry.byteCount)])
        }
        var runStart = 0
        while runStart < keys.count {
          var runEnd = runStart + 1
          while runEnd < keys.count && keys[runEnd].hash == keys[runStart].hash { runEnd += 1 }
          // Different terms with one hash (rare): ordered by their bytes, then position.
          let head = bytesOf(keys[runStart])
          let collides = keys[(runStart + 1)..<runEnd].contains(where: { !bytesOf($0).elementsEqual(head) })
          if collides {
            keys[runStart..<runEnd].sort { a, b in
              let x = bytesOf(a)
              let y = bytesOf(b)
              return x.elementsEqual(y) ? a.order < b.order : x.lexicographicallyPrecedes(y)
            }
          }
          var i = runStart
          while i < runEnd {
            let term = bytesOf(keys[i])
            if prefix != 0 { termBytes.append(prefix) }
            termBytes.append(contentsOf: term)
            byteStarts.append(Int32(termBytes.count))
            hashes.append(keys[i].hash)
            // Without a collision (nearly always) the run is one term's: not compared again.
            repeat {
              positions.append(Int32(truncatingIfNeeded: keys[i].order >> 32))
              i += 1
            } while i < runEnd && (!collides || bytesOf(keys[i]).elementsEqual(term))
            positionStarts.append(Int32(positions.count))
          }
          runStart = runEnd
        }
      }
      return FieldTerms(first: first, count: hashes.count - first, length: list.entries.count)
    }
  }

  /// Analyzes every passage of `document` (body and title field) with `analyzer`.
  static func analyze(_ document: Document, with analyzer: Analyzer) throws -> AnalyzedDocument {
    let fileWords = Field.fileNameWords(document.path)
    var analyzed = AnalyzedDocument(document: document)
    var keys: [(hash: UInt64, order: UInt64)] = []
    // Consecutive passages share their title text until the section changes: analyzed once.
    var previousTitle: (text: String, terms: AnalyzedDocument.FieldTerms)? = nil
    for passage in document.passages {
      try analyzer.analyzeTerms(passage.text)
      analyzed.body.append(analyzed.appendField(analyzer.terms, prefix: 0, scratch: &keys))
      let titleText = [document.title, passage.section, fileWords].compactMap { $0 }.joined(separator: "\n")
      if let previousTitle, previousTitle.text == titleText {
        analyzed.title.append(previousTitle.terms)
      } else {
        try analyzer.analyzeTerms(titleText)
        let terms = analyzed.appendField(analyzer.terms, prefix: Field.titlePrefixByte, scratch: &keys)
        analyzed.title.append(terms)
        previousTitle = (titleText, terms)
      }
    }
    analyzed.invert()
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
      try store.add(
        PassageStore.StoredPassage(
          document: documentIndex, lineStart: passage.lineStart, lineEnd: passage.lineEnd, section: passage.section,
          text: passage.text))
      otherBytes += 8
      lengths.append(UInt32(analyzed.body[i].length))
      tokenCount += UInt64(analyzed.body[i].length)
      titleLengths.append(UInt32(analyzed.title[i].length))
      titleTokenCount += UInt64(analyzed.title[i].length)
      let body = analyzed.body[i]
      signatures.append(CopySignature.of(termHashes: analyzed.hashes[body.first..<(body.first + body.count)]))
    }
    addPostings(analyzed, base: first)
    return first
  }

  private func addPostings(_ analyzed: AnalyzedDocument, base: UInt32) {
    analyzed.termBytes.withUnsafeBufferPointer { bytes in
      analyzed.streams.withUnsafeBufferPointer { streams in
        for j in analyzed.representatives.indices {
          let t = Int(analyzed.representatives[j])
          let term = UnsafeBufferPointer(rebasing: bytes[Int(analyzed.byteStarts[t])..<Int(analyzed.byteStarts[t + 1])])
          let (index, isNew) = terms.insert(term, hash: analyzed.hashes[t])
          if isNew {
            _ = postings.addTerm()
          }
          postings.append(
            term: index, firstDoc: base + analyzed.firsts[j], lastDoc: base + analyzed.lasts[j], count: analyzed.counts[j],
            stream: UnsafeBufferPointer(
              rebasing: streams[Int(analyzed.streamStarts[j])..<Int(analyzed.streamStarts[j + 1])]))
        }
      }
    }
  }

  /// Writes Name.terms, Name.postings, Name.lengths and Name.passages (each fsynced).
  func write(directory: String, name: String) throws {
    let order = terms.idsInByteOrder()
    var files = try SegmentFiles(
      directory: directory, name: name, bodyLengths: lengths, titleLengths: titleLengths, signatures: signatures)
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
          for index in order[runs[t]] {
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
    try files.finish(passages: try store.finish())
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

/// Sorts a passage's term keys by hash, then order. The keys are distinct (`order` holds
/// the token's index), so any sort gives the same result; the standard library's stable
/// sort allocated a merge buffer for each of a passage's fields and took 3.6% of a large
/// build's profile samples. Quicksort on the keys in place, median of three, insertion
/// sort below 16 keys; past a depth of 2·log₂ n (inputs that defeat the pivots) the rest
/// goes to the standard sort.
func sortTermKeys(_ keys: inout [(hash: UInt64, order: UInt64)]) {
  @inline(__always) func before(_ a: (hash: UInt64, order: UInt64), _ b: (hash: UInt64, order: UInt64)) -> Bool {
    a.hash != b.hash ? a.hash < b.hash : a.order < b.order
  }
  keys.withUnsafeMutableBufferPointer { buffer in
    func insertionSort(_ low: Int, _ high: Int) {
      guard high - low > 1 else { return }
      for i in (low + 1)..<high {
        let key = buffer[i]
        var j = i
        while j > low && before(key, buffer[j - 1]) {
          buffer[j] = buffer[j - 1]
          j -= 1
        }
        buffer[j] = key
      }
    }
    func quicksort(_ low: Int, _ high: Int, depth: Int) {
      var low = low
      var high = high
      var depth = depth
      while high - low > 16 {
        if depth == 0 {
          var rest = UnsafeMutableBufferPointer(rebasing: buffer[low..<high])
          rest.sort(by: before)
          return
        }
        depth -= 1
        let middle = low + (high - low) / 2
        if before(buffer[middle], buffer[low]) { buffer.swapAt(middle, low) }
        if before(buffer[high - 1], buffer[low]) { buffer.swapAt(high - 1, low) }
        if before(buffer[high - 1], buffer[middle]) { buffer.swapAt(high - 1, middle) }
        let pivot = buffer[middle]
        var i = low
        var j = high - 1
        while i <= j {
          while before(buffer[i], pivot) { i += 1 }
          while before(pivot, buffer[j]) { j -= 1 }
          if i <= j {
            buffer.swapAt(i, j)
            i += 1
            j -= 1
          }
        }
        // The smaller side recursively, the larger in the loop: stack depth O(log n).
        if j - low < high - i {
          quicksort(low, j + 1, depth: depth)
          low = i
        } else {
          quicksort(i, high, depth: depth)
          high = j + 1
        }
      }
      insertionSort(low, high)
    }
    quicksort(0, buffer.count, depth: 2 * (Int.bitWidth - buffer.count.leadingZeroBitCount))
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
  private var dictionary = TermDictionary.Builder()
  private let bodyLengths: [UInt32]
  private let titleLengths: [UInt32]
  private let signatures: [UInt16]
  private let base: String

  /// Starts Name.postings in `directory`; the passages' field lengths give the postings'
  /// block bounds and, with their copy signatures, the lengths file.
  init(directory: String, name: String, bodyLengths: [UInt32], titleLengths: [UInt32], signatures: [UInt16]) throws {
    base = directory + "/" + name
    postingsFile = try FileAppender(base + ".postings")
    self.bodyLengths = bodyLengths
    self.titleLengths = titleLengths
    self.signatures = signatures
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
      lengths: term.first == Field.titlePrefixByte ? titleLengths : bodyLengths)
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

  /// Ends Name.postings and writes Name.terms, Name.lengths and Name.passages.
  mutating func finish(passages: [[UInt8]]) throws {
    try flushPostings()
    var footer = ByteWriter()
    footer.u32(CRC32.finish(crc))
    footer.bytes.append(contentsOf: FileFormat.footerMagic)
    try postingsFile.append(footer.bytes)
    try postingsFile.finish()
    try FileSystem.writeFile(base + ".terms", dictionary.finish())
    try FileSystem.writeFile(base + ".lengths", PassageLengths.serialize(body: bodyLengths, title: titleLengths, signatures: signatures))
    try FileSystem.writeFile(base + ".passages", chunks: passages)
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

  var count: Int { records.count }

  /// Memory held by the table, counting the arrays' spare capacity.
  var estimatedBytes: Int { grownCapacity(arena.count) + grownCapacity(records.count) * 16 + slots.count * 8 }

  func bytes(of id: Int) -> ArraySlice<UInt8> {
    arena[Int(records[id].start)..<Int(records[id].start + records[id].count)]
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
    records.append((hash, UInt32(arena.count), UInt32(term.count)))
    arena.append(contentsOf: term)
    if 2 * records.count > slots.count {
      slots = [UInt64](repeating: 0, count: 2 * slots.count)
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
