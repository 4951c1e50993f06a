#if canImport(Glibc)
  import Glibc
#endif

/// Text → tokens, the same way on the index side and the query side.
///
/// Steps:
/// 1. NFKC_Casefold each character (Ｈ１００ → h100, DeepSeek → deepseek) and fold
///    Traditional to Simplified (華為 → 华为, `HanFolding`), keeping a map from every
///    normalized unit back to its original scalar offset, for highlights;
/// 2. ICU word boundaries over the normalized text; segments that are punctuation, spaces or
///    symbols (rule status UBRK_WORD_NONE) are dropped. Lines of ASCII get the same
///    boundaries from `ASCIIWordBreak`, and Han runs seen before their segments from
///    `HanRunCache`, without ICU;
/// 3. Han characters are gathered into runs and indexed as bigrams beside ICU's longer
///    dictionary words (`HanRun`);
/// 4. letter/digit compounds index the whole and the parts (h100gpu → h100gpu, h100, gpu),
///    and words joined by hyphens also index the joined form (deepseek-r1 → deepseek, r1,
///    deepseek-r1); the whole takes the position of its first part;
/// 5. words of letters only are stemmed lightly (`EnglishStemmer`: dogs, dog's → dog).
///
/// An `Analyzer` owns an ICU break iterator and caches (the Han runs' segments: about 20 MB
/// when full); use one per thread.
public final class Analyzer {
  /// Bump when the tokens produced for some input change: an index built by another
  /// version must be rebuilt.
  public static let version: UInt32 = 2
  /// Tokens longer than this many scalars (base64 blobs, hashes) are not indexed.
  public static let maxTokenScalars = 64

  private let breaker: WordBreaker
  private var state: AnalysisState
  /// Lines analyzed before, shared with the other analyzers of an indexing run (nil: every
  /// text is analyzed whole).
  let lineCache: LineTokenCache?

  /// An analyzer folding Han characters with `folding` (an index's stored table).
  public convenience init(folding: HanFolding = .identity) throws {
    try self.init(folding: folding, hanRunCacheUnits: HanRunCache.defaultCapacity)
  }

  /// An analyzer keeping at most `hanRunCacheUnits` units of Han runs' segments (0: none).
  init(folding: HanFolding = .identity, hanRunCacheUnits: Int, lineCache: LineTokenCache? = nil) throws {
    breaker = try WordBreaker()
    state = AnalysisState(folding: folding, hanRuns: HanRunCache(capacity: hanRunCacheUnits))
    self.lineCache = lineCache
  }

  /// An analyzer for indexing that copies the tokens of lines `lineCache` holds.
  convenience init(folding: HanFolding, lineCache: LineTokenCache) throws {
    try self.init(folding: folding, hanRunCacheUnits: HanRunCache.defaultCapacity, lineCache: lineCache)
  }

  /// Which runs of Han and kana text (`isDictionaryScript`) an analysis segments; the others
  /// are read as spaces, so they give no tokens (positions then differ from a full
  /// analysis; offsets and the other tokens do not). For highlighting: a token of a run is
  /// a stretch of the run's normalized text, so a token that matches a query term lies in
  /// a run that contains the term, and ICU segments the rest with its dictionary for
  /// nothing (its first use in a process also builds its script sets: 8 of the 23 million
  /// instructions of a Latin query's search from a new process on the large tier, over
  /// Chinese hits).
  public enum DictionaryRuns: Sendable {
    case all
    /// Only the runs that contain one of these stretches of UTF-16 units (as normalized
    /// and folded); none when the list is empty.
    case containing([[UInt16]])
  }

  /// The tokens of `text`, in order of position.
  public func analyze(_ text: String, dictionaryRuns: DictionaryRuns = .all) throws -> [Token] {
    try analyzeTerms(text, dictionaryRuns: dictionaryRuns)
    return terms.tokens
  }

  /// Whether ICU segments `scalar` with a dictionary in the scripts this analyzer meets
  /// (Han, Hiragana, Katakana).
  public static func isDictionaryScript(_ scalar: UInt32) -> Bool {
    HanRun.isHan(scalar) || (0x3040...0x30FF).contains(scalar) || (0x31F0...0x31FF).contains(scalar)
      || (0xFF66...0xFF9F).contains(scalar)
  }

  /// The tokens of the last `analyzeTerms`, terms as UTF-8 bytes.
  var terms: TermList { state.terms }

  /// Analyzes `text` into `terms`, in order of position.
  func analyzeTerms(_ text: String, dictionaryRuns: DictionaryRuns = .all) throws {
    // The buffers are worked on in a local value: through the class, every access to them
    // was retained, released and checked for uniqueness (a tenth of indexing time).
    var local = AnalysisState.placeholder
    swap(&local, &state)
    defer { swap(&local, &state) }
    try local.analyze(text, breaker: breaker, dictionaryRuns: dictionaryRuns)
  }

  /// Analyzes `text` into `terms` for indexing: the terms and positions of `analyzeTerms`,
  /// copied from `lineCache` for the lines it holds (offsets, which indexing does not use,
  /// are then 0).
  func indexTerms(_ text: String) throws {
    guard let lineCache else { return try analyzeTerms(text) }
    try indexTerms(utf8: Array(text.utf8), cache: lineCache)
  }

  /// `indexTerms` of valid UTF-8 (a passage's bytes): no String is made of the lines the
  /// cache holds.
  func indexTerms(utf8: [UInt8]) throws {
    guard let lineCache else { return try analyzeTerms(String(decoding: utf8, as: UTF8.self)) }
    try indexTerms(utf8: utf8, cache: lineCache)
  }

  private func indexTerms(utf8: [UInt8], cache: LineTokenCache) throws {
    var local = AnalysisState.placeholder
    swap(&local, &state)
    defer { swap(&local, &state) }
    try local.analyzeLines(utf8, breaker: breaker, cache: cache)
  }

  /// The distinct terms of `text` as sorted 64-bit hashes (FNV-1a), for telling near-copies
  /// apart: normalized and folded as for `analyze`, but without ICU, Han runs giving their
  /// bigrams (a lone character itself) and other letters and digits whole words, neither
  /// split nor stemmed. Copies found among the hits of a query differ in a few words, so
  /// this set compares like the index's terms at a fraction of the cost of `analyze`.
  public func fingerprint(_ text: String) throws -> [UInt64] {
    var local = AnalysisState.placeholder
    swap(&local, &state)
    defer { swap(&local, &state) }
    return try local.fingerprint(text)
  }
}

/// The analyzer's buffers and the steps that fill them (`Analyzer` holds one).
struct AnalysisState {
  private let folding: HanFolding
  private var foldCache: [UInt32: [UInt16]] = [:]
  /// Per BMP scalar outside ASCII and Han, learnt on first sight: bit 0 set once known, bit 1
  /// a word character (alphabetic or numeric), bit 2 left as it is by NFKC_Casefold. Property
  /// lookups and the fold cache's hashing were a third of `fingerprint`'s time (CJK
  /// punctuation, mostly).
  private var scalarTraits: [UInt8] = []
  private static let known: UInt8 = 1
  private static let wordCharacter: UInt8 = 2
  private static let foldsToItself: UInt8 = 4
  private var normalized: [UInt16] = []
  private var sourceOffset: [Int32] = []
  private var ends: [Int32] = []
  private var statuses: [Int32] = []
  private var hanRuns: HanRunCache
  /// A group of lines for ICU with the known Han runs as one character each, and ICU's
  /// segments of it.
  private var masked: [UInt16] = []
  private var maskedEnds: [Int32] = []
  private var maskedStatuses: [Int32] = []
  /// The group's cacheable runs: (start, end) in `normalized`, and the run's index in the
  /// cache if it knew it (else -1).
  private var groupRuns: [(start: Int, end: Int, known: Int)] = []
  private var run = HanRun()
  private var chainText: [UInt8] = []
  private(set) var terms = TermList()
  /// With `recordsLineBreaks`, `analyze` notes at each line end the next free position and
  /// the tokens so far; `endPosition` is the position after the last token's.
  private var recordsLineBreaks = false
  private var lineBreaks: [(position: Int32, entries: Int32)] = []
  private var endPosition: Int32 = 0
  /// `analyzeLines`' lines: their bytes and hash, and their cache entry if any;
  /// the lines not in the cache, joined, and their tokens.
  private var lines: [(start: Int, end: Int, hash: UInt64, entry: LineTokenCache.Entry?)] = []
  private var missText: [UInt8] = []
  private var missTerms = TermList()

  init(folding: HanFolding, hanRuns: HanRunCache) {
    self.folding = folding
    self.hanRuns = hanRuns
  }

  /// Stands in for an analyzer's state while it is worked on.
  static let placeholder = AnalysisState(folding: .identity, hanRuns: HanRunCache(capacity: 0))

  mutating func analyze(_ text: String, breaker: WordBreaker, dictionaryRuns: Analyzer.DictionaryRuns = .all) throws {
    terms.removeAll()
    try normalize(text)
    if case .containing(let kept) = dictionaryRuns { blankDictionaryRuns(except: kept) }
    let segmentCount = try segmentWords(breaker)
    var position: Int32 = 0
    var chain: HyphenChain? = nil
    run.removeAll()
    var segmentStart = 0
    for s in 0..<segmentCount {
      let segmentEnd = Int(ends[s])
      defer { segmentStart = segmentEnd }
      if statuses[s] < 100 {
        position = run.emit(at: position, into: &terms)
        run.removeAll()
        if recordsLineBreaks {
          for unit in segmentStart..<segmentEnd where normalized[unit] == 0x0A {
            lineBreaks.append((position, Int32(terms.entries.count)))
          }
        }
        continue
      }
      if appendToHanRun(segmentStart, segmentEnd) {
        chain = nil
        continue
      }
      position = run.emit(at: position, into: &terms)
      run.removeAll()
      position = emitWord(segmentStart, segmentEnd, at: position, chain: &chain)
    }
    endPosition = run.emit(at: position, into: &terms)
  }

  /// `analyze(text)`'s terms and positions, line by line: the lines `cache` holds are
  /// copied from it, the others analyzed together as one text (a line's terms do not depend
  /// on its neighbours: `LineTokenCache`) and offered to it. Offsets are not kept in the
  /// cache: a text with a line copied from it has 0 for every token's start and end.
  mutating func analyzeLines(_ text: [UInt8], breaker: WordBreaker, cache: LineTokenCache) throws {
    var misses = 0
    lines.removeAll(keepingCapacity: true)
    // The lines are looked up in three passes over the text's lines: each line's slot is
    // asked for, then each slot's entry, then the entries compared. Looked up one line at a
    // time, the slot load and the entry load each waited on memory (the cache's tables are
    // far larger than the processor's caches): 4.6% of a large build's samples.
    text.withUnsafeBufferPointer { utf8 in
      let bytes = UnsafeRawBufferPointer(utf8)
      var start = 0
      while true {
        var end = bytes.count
        if start < bytes.count, let lineEnd = memchr(bytes.baseAddress! + start, 0x0A, bytes.count - start) {
          end = UnsafeRawPointer(lineEnd) - bytes.baseAddress!
        }
        let hash = LineTokenCache.hash(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
        cache.prefetchSlot(hash: hash)
        lines.append((start, end, hash, nil))
        if end == bytes.count { break }
        start = end + 1
      }
      for line in lines { cache.prefetchEntry(hash: line.hash) }
      for k in lines.indices {
        let line = lines[k]
        lines[k].entry = cache.entry(UnsafeRawBufferPointer(rebasing: bytes[line.start..<line.end]), hash: line.hash)
        if lines[k].entry == nil { misses += 1 }
      }
    }
    if misses == lines.count {
      // Nothing to copy: the text is analyzed as it is, and its lines offered to the cache.
      try analyzeRecordingLineBreaks(String(decoding: text, as: UTF8.self), breaker: breaker)
      guard lineBreaks.count == lines.count - 1 else { return }
      text.withUnsafeBufferPointer { utf8 in
        let bytes = UnsafeRawBufferPointer(utf8)
        for (k, line) in lines.enumerated() {
          let recorded = recordedLine(k, of: terms)
          cache.insert(
            UnsafeRawBufferPointer(rebasing: bytes[line.start..<line.end]), hash: line.hash, list: terms,
            tokens: recorded.tokens, positions: recorded.positions, base: recorded.position)
        }
      }
      return
    }
    if misses > 0 {
      // The lines not kept, joined by line ends and analyzed as one text.
      missText.removeAll(keepingCapacity: true)
      text.withUnsafeBufferPointer { bytes in
        var joined = 0
        for line in lines where line.entry == nil {
          if joined > 0 { missText.append(0x0A) }
          missText.append(contentsOf: bytes[line.start..<line.end])
          joined += 1
        }
      }
      swap(&terms, &missTerms)
      defer { swap(&terms, &missTerms) }
      try analyzeRecordingLineBreaks(String(decoding: missText, as: UTF8.self), breaker: breaker)
    }
    if misses > 0 && lineBreaks.count != misses - 1 {
      // Not one line end per joined line (never seen): analyzed whole, as without the cache.
      return try analyze(String(decoding: text, as: UTF8.self), breaker: breaker)
    }
    terms.removeAll()
    var position: Int32 = 0
    var miss = 0
    text.withUnsafeBufferPointer { utf8 in
      let bytes = UnsafeRawBufferPointer(utf8)
      for line in lines {
        if let entry = line.entry {
          var byte = Int32(terms.bytes.count)
          terms.bytes.append(contentsOf: entry.termBytes)
          for i in 0..<entry.tokenCount {
            let token = entry.token(i)
            terms.entries.append(
              TermList.Entry(
                byteStart: byte, byteCount: Int32(token.byteCount), position: position + token.position, start: 0, end: 0))
            byte += Int32(token.byteCount)
          }
          position += entry.positions
          continue
        }
        let recorded = recordedLine(miss, of: missTerms)
        missTerms.bytes.withUnsafeBufferPointer { missBytes in
          for i in recorded.tokens {
            let entry = missTerms.entries[i]
            let byteStart = Int32(terms.bytes.count)
            terms.bytes.append(
              contentsOf: UnsafeBufferPointer(rebasing: missBytes[Int(entry.byteStart)..<Int(entry.byteStart + entry.byteCount)]))
            terms.entries.append(
              TermList.Entry(
                byteStart: byteStart, byteCount: entry.byteCount, position: entry.position - recorded.position + position,
                start: 0, end: 0))
          }
        }
        cache.insert(
          UnsafeRawBufferPointer(rebasing: bytes[line.start..<line.end]), hash: line.hash, list: missTerms,
          tokens: recorded.tokens, positions: recorded.positions, base: recorded.position)
        position += recorded.positions
        miss += 1
      }
    }
    endPosition = position
  }

  /// `analyze(text)`, noting in `lineBreaks` where each line ends.
  private mutating func analyzeRecordingLineBreaks(_ text: String, breaker: WordBreaker) throws {
    recordsLineBreaks = true
    lineBreaks.removeAll(keepingCapacity: true)
    defer { recordsLineBreaks = false }
    try analyze(text, breaker: breaker)
  }

  /// Line `k` of the last text analyzed with `recordsLineBreaks`, whose tokens are `list`:
  /// its tokens, its first position and how many positions it takes.
  private func recordedLine(_ k: Int, of list: TermList) -> (tokens: Range<Int>, position: Int32, positions: Int32) {
    let first = k == 0 ? 0 : Int(lineBreaks[k - 1].entries)
    let last = k < lineBreaks.count ? Int(lineBreaks[k].entries) : list.entries.count
    let position = k == 0 ? 0 : lineBreaks[k - 1].position
    let next = k < lineBreaks.count ? lineBreaks[k].position : endPosition
    return (first..<last, position, next - position)
  }

  mutating func fingerprint(_ text: String) throws -> [UInt64] {
    // Read from the UTF-8 bytes, each scalar normalized as `normalize` does it
    // (`normalizedUnit`), but without writing the normalized text and its offsets out: the
    // normalization was a third of this function's time.
    var hashes: [UInt64] = []
    hashes.reserveCapacity(text.utf8.count / 2)
    let basis: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ hash: UInt64, _ value: UInt32) -> UInt64 { (hash ^ UInt64(value)) &* 0x100_0000_01b3 }
    var word = basis
    var wordLength = 0
    var previousHan: UInt32? = nil
    var hanRunLength = 0
    func endHanRun() {
      if hanRunLength == 1, let single = previousHan { hashes.append(mix(basis, single)) }
      previousHan = nil
      hanRunLength = 0
    }
    func endWord() {
      if wordLength > 0 { hashes.append(word) }
      word = basis
      wordLength = 0
    }
    // One normalized scalar; ASCII comes lower-cased.
    func add(_ value: UInt32) throws {
      if HanRun.isHan(value) {
        endWord()
        if let previous = previousHan { hashes.append(mix(mix(basis, previous), value)) }
        previousHan = value
        hanRunLength += 1
        return
      }
      endHanRun()
      let isWordCharacter =
        value < 0x80
        ? (value >= 0x30 && value <= 0x39) || (value >= 0x61 && value <= 0x7A)
        : try traits(Unicode.Scalar(value)!) & AnalysisState.wordCharacter != 0
      if isWordCharacter {
        word = mix(word, value)
        wordLength += 1
      } else {
        endWord()
      }
    }
    var text = text
    try text.withUTF8 { bytes in
      var i = 0
      while i < bytes.count {
        let (value, length) = UTF8Scalars.decode(bytes, at: i)
        i += length
        if let unit = try normalizedUnit(value) {
          try add(UInt32(unit))
        } else {
          let folded = try fold(Unicode.Scalar(value)!)
          var k = 0
          while k < folded.count {
            let unit = UInt32(refolded(folded[k]))
            k += 1
            if unit & 0xFC00 == 0xD800, k < folded.count, folded[k] & 0xFC00 == 0xDC00 {
              try add(0x10000 + ((unit - 0xD800) << 10) + (UInt32(folded[k]) - 0xDC00))
              k += 1
            } else if unit & 0xF800 != 0xD800 {
              try add(unit)
            }
          }
        }
      }
    }
    endHanRun()
    endWord()
    return AnalysisState.sortedDistinct(hashes)
  }

  /// Hashes sorted, without repeats. They are spread evenly, so they are first counted into
  /// about one bucket each by their top bits and then sorted by insertion, which moves each
  /// only within its bucket: 1.2 µs for 400 hashes, where `sort` took 6.2 (a quarter of
  /// `fingerprint`). Should a bucket hold more than `insertionLimit` (uneven hashes), all
  /// are sorted by `sort`.
  static func sortedDistinct(_ hashes: [UInt64]) -> [UInt64] {
    let n = hashes.count
    guard n > 1 else { return hashes }
    let bits = min(16, Int.bitWidth - n.leadingZeroBitCount)
    let shift = UInt64(64 - bits)
    let buckets = 1 << bits
    return [UInt64](unsafeUninitializedCapacity: n) { buffer, count in
      let sorted = buffer.baseAddress!
      withUnsafeTemporaryAllocation(of: Int32.self, capacity: buckets + 1) { startsBuffer in
        let starts = startsBuffer.baseAddress!
        hashes.withUnsafeBufferPointer { hashesBuffer in
          let hashes = hashesBuffer.baseAddress!
          starts.initialize(repeating: 0, count: buckets + 1)
          var largest: Int32 = 0
          for i in 0..<n {
            let b = Int(hashes[i] >> shift) + 1
            starts[b] &+= 1
            largest = max(largest, starts[b])
          }
          guard largest <= insertionLimit else {
            sorted.initialize(from: hashes, count: n)
            buffer.sort()
            return
          }
          for b in 0..<buckets { starts[b + 1] &+= starts[b] }
          for i in 0..<n {
            let hash = hashes[i]
            let b = Int(hash >> shift)
            (sorted + Int(starts[b])).initialize(to: hash)
            starts[b] &+= 1
          }
          var i = 1
          while i < n {
            let hash = sorted[i]
            var j = i
            while j > 0 && sorted[j - 1] > hash {
              sorted[j] = sorted[j - 1]
              j -= 1
            }
            sorted[j] = hash
            i += 1
          }
        }
      }
      var distinct = 1
      for i in 1..<n where sorted[i] != sorted[distinct - 1] {
        sorted[distinct] = sorted[i]
        distinct += 1
      }
      count = distinct
    }
  }

  static let insertionLimit: Int32 = 16

  // MARK: - Word boundaries

  /// Fills `ends` and `statuses` with the word segments of `normalized`: lines of ASCII by
  /// `ASCIIWordBreak`, each run of other lines (with their line ends) by ICU in one call.
  private mutating func segmentWords(_ breaker: WordBreaker) throws -> Int {
    let length = normalized.count
    if ends.count < length {
      ends = [Int32](repeating: 0, count: length)
      statuses = [Int32](repeating: 0, count: length)
    }
    // Taken out of `self` while the cache (in `self`) is worked on.
    var text: [UInt16] = []
    var segmentEnds: [Int32] = []
    var segmentStatuses: [Int32] = []
    swap(&text, &normalized)
    swap(&segmentEnds, &ends)
    swap(&segmentStatuses, &statuses)
    defer {
      swap(&text, &normalized)
      swap(&segmentEnds, &ends)
      swap(&segmentStatuses, &statuses)
    }
    return try text.withUnsafeBufferPointer { units in
      try segmentEnds.withUnsafeMutableBufferPointer { ends in
        try segmentStatuses.withUnsafeMutableBufferPointer { statuses in
          let ends = ends.baseAddress!
          let statuses = statuses.baseAddress!
          var count = 0
          var pendingStart = -1  // the start of lines not yet given to ICU
          var lineStart = 0
          while lineStart < length {
            var lineEnd = lineStart
            var ascii = true
            while lineEnd < length && units[lineEnd] != 0x0A {
              if units[lineEnd] >= 0x80 { ascii = false }
              lineEnd += 1
            }
            if lineEnd < length { lineEnd += 1 }  // the LF
            if ascii {
              if pendingStart >= 0 {
                count = try segmentWithICU(units, pendingStart..<lineStart, breaker, ends: ends, statuses: statuses, from: count)
                pendingStart = -1
              }
              count = ASCIIWordBreak.segment(units, lineStart..<lineEnd, ends: ends, statuses: statuses, from: count)
            } else if pendingStart < 0 {
              pendingStart = lineStart
            }
            lineStart = lineEnd
          }
          if pendingStart >= 0 {
            count = try segmentWithICU(units, pendingStart..<length, breaker, ends: ends, statuses: statuses, from: count)
          }
          return count
        }
      }
    }
  }

  /// ICU's segments of `units[range]`, the Han runs `hanRuns` knows given to ICU as one
  /// character each and replaced by their known segments; the other cacheable runs are
  /// learnt from ICU's answer.
  private mutating func segmentWithICU(
    _ units: UnsafeBufferPointer<UInt16>, _ range: Range<Int>, _ breaker: WordBreaker,
    ends: UnsafeMutablePointer<Int32>, statuses: UnsafeMutablePointer<Int32>, from count: Int
  ) throws -> Int {
    groupRuns.removeAll(keepingCapacity: true)
    var knownCount = 0
    var i = range.lowerBound
    while i < range.upperBound {
      guard HanRunCache.isHan(units[i]) else {
        i += 1
        continue
      }
      let start = i
      while i < range.upperBound && HanRunCache.isHan(units[i]) { i += 1 }
      let length = i - start
      guard length >= 2, length <= HanRunCache.maxRunLength,
        start == range.lowerBound || HanRunCache.isHardNeighbour(units[start - 1]),
        i == range.upperBound || HanRunCache.isHardNeighbour(units[i])
      else { continue }
      let known = hanRuns.index(of: UnsafeBufferPointer(rebasing: units[start..<i])) ?? -1
      if known >= 0 { knownCount += 1 }
      if known >= 0 || !hanRuns.isFull { groupRuns.append((start, i, known)) }
    }
    if knownCount == 0 {
      let end = try breaker.segment(units, range, ends: ends, statuses: statuses, from: count)
      learnRuns(units, range.lowerBound, ends: ends, statuses: statuses, from: count, to: end)
      return end
    }
    // The group with each known run as its first character.
    masked.removeAll(keepingCapacity: true)
    var copied = range.lowerBound
    for run in groupRuns where run.known >= 0 {
      masked.append(contentsOf: units[copied...run.start])
      copied = run.end
    }
    masked.append(contentsOf: units[copied..<range.upperBound])
    if maskedEnds.count < masked.count {
      maskedEnds = [Int32](repeating: 0, count: masked.count)
      maskedStatuses = [Int32](repeating: 0, count: masked.count)
    }
    let maskedCount = try masked.withUnsafeBufferPointer { text in
      try maskedEnds.withUnsafeMutableBufferPointer { maskedEnds in
        try maskedStatuses.withUnsafeMutableBufferPointer { maskedStatuses in
          try breaker.segment(
            text, 0..<text.count, ends: maskedEnds.baseAddress!, statuses: maskedStatuses.baseAddress!, from: 0)
        }
      }
    }
    // Back to `units`' offsets: a known run's character becomes its segments.
    var out = count
    var shift = range.lowerBound  // `units` offset minus `masked` offset
    var nextRun = groupRuns.firstIndex { $0.known >= 0 }
    var segmentStart = 0
    for s in 0..<maskedCount {
      let end = Int(maskedEnds[s])
      if let r = nextRun, segmentStart + shift == groupRuns[r].start {
        let run = groupRuns[r]
        // ICU keeps the boundaries around a lone Han character between hard neighbours; if
        // it ever does not, the group is segmented as it is.
        guard end == segmentStart + 1 else {
          return try breaker.segment(units, range, ends: ends, statuses: statuses, from: count)
        }
        for packed in hanRuns.segments(ofRun: run.known) {
          ends[out] = Int32(run.start + Int(packed & 0x3F))
          statuses[out] = Int32(packed >> 6)
          out += 1
        }
        shift += run.end - run.start - 1
        nextRun = groupRuns[(r + 1)...].firstIndex { $0.known >= 0 }
      } else {
        ends[out] = Int32(end + shift)
        statuses[out] = maskedStatuses[s]
        out += 1
      }
      segmentStart = end
    }
    learnRuns(units, range.lowerBound, ends: ends, statuses: statuses, from: count, to: out)
    return out
  }

  /// Keeps the segments ICU gave the group's unknown runs (`groupRuns`, in order); the group
  /// starts at `groupStart` and its segments are `ends[first..<last]`.
  private mutating func learnRuns(
    _ units: UnsafeBufferPointer<UInt16>, _ groupStart: Int, ends: UnsafeMutablePointer<Int32>,
    statuses: UnsafeMutablePointer<Int32>, from first: Int, to last: Int
  ) {
    var s = first
    var segmentStart = groupStart
    for run in groupRuns where run.known < 0 {
      if hanRuns.isFull { return }
      while s < last && segmentStart < run.start {
        segmentStart = Int(ends[s])
        s += 1
      }
      guard segmentStart == run.start else { continue }
      var e = s
      while e < last && Int(ends[e]) < run.end { e += 1 }
      guard e < last, Int(ends[e]) == run.end else { continue }
      hanRuns.insert(
        UnsafeBufferPointer(rebasing: units[run.start..<run.end]), runStart: run.start,
        ends: UnsafeBufferPointer(start: ends + s, count: e + 1 - s),
        statuses: UnsafeBufferPointer(start: statuses + s, count: e + 1 - s))
      segmentStart = Int(ends[e])
      s = e + 1
    }
  }

  // MARK: - Normalization with an offset map

  /// Fills `normalized` (UTF-16) and `sourceOffset` (for each unit, the index of the original
  /// scalar it came from). Characters are normalized one at a time so that every output unit
  /// maps to exactly one input scalar; ASCII and Han take a fast path.
  private mutating func normalize(_ text: String) throws {
    // Written through pointers into room made beforehand (a scalar's UTF-8 bytes bound its
    // units on the fast paths): appending unit by unit checked both arrays' uniqueness for
    // every scalar, a tenth of a four-copy build's instructions with the rest of this loop.
    var units: [UInt16] = []
    var offsets: [Int32] = []
    swap(&units, &normalized)
    swap(&offsets, &sourceOffset)
    defer {
      swap(&units, &normalized)
      swap(&offsets, &sourceOffset)
    }
    units.removeAll(keepingCapacity: true)
    offsets.removeAll(keepingCapacity: true)
    var text = text
    var room = text.utf8.count + 32
    var next = 0  // the byte where the scalar that did not fit starts, once one did not
    var count = 0
    var index: Int32 = 0
    while true {
      units.append(contentsOf: repeatElement(0, count: room - units.count))
      offsets.append(contentsOf: repeatElement(0, count: room - offsets.count))
      // Scalars decoded from the (valid) UTF-8 bytes: the unicode scalar view's iterator
      // took most of this loop's time.
      let finished = try text.withUTF8 { bytes in
        try units.withUnsafeMutableBufferPointer { units in
          try offsets.withUnsafeMutableBufferPointer { offsets in
            while next < bytes.count {
              let (value, length) = UTF8Scalars.decode(bytes, at: next)
              if let unit = try normalizedUnit(value) {
                guard count < units.count else { return false }
                units[count] = unit
                offsets[count] = index
                count += 1
              } else {
                let folded = try fold(Unicode.Scalar(value)!)
                guard count + folded.count <= units.count else { return false }
                for unit in folded {
                  units[count] = refolded(unit)
                  offsets[count] = index
                  count += 1
                }
              }
              next += length
              index += 1
            }
            return true
          }
        }
      }
      if finished { break }
      room = max(room * 2, count + 64)
    }
    units.removeSubrange(count...)
    offsets.removeSubrange(count...)
  }

  /// The one UTF-16 unit a scalar normalizes to: ASCII lower-cased, Han folded, or a BMP
  /// character that NFKC and case folding leave alone; nil for one that needs `fold`, whose
  /// units are then `refolded`. The rule of `normalize` and `fingerprint`; ASCII and Han take
  /// the fast path.
  @inline(__always)
  private mutating func normalizedUnit(_ value: UInt32) throws -> UInt16? {
    if value < 0x80 { return UInt16((value >= 0x41 && value <= 0x5A) ? value + 0x20 : value) }
    if value < 0x10000 && HanRun.isHan(value) && !(0xF900...0xFAFF).contains(value) {
      return folding.fold(UInt16(value))
    }
    if value < 0x10000, try traits(Unicode.Scalar(value)!) & AnalysisState.foldsToItself != 0 { return UInt16(value) }
    return nil
  }

  /// A unit of `fold`'s output, Han-folded: NFKC maps compatibility ideographs to unified
  /// ones, which fold too.
  @inline(__always)
  private func refolded(_ unit: UInt16) -> UInt16 {
    HanRun.isHan(UInt32(unit)) ? folding.fold(unit) : unit
  }

  /// Replaces with spaces each maximal run of normalized Han and kana scalars (a surrogate
  /// pair with two) that contains none of the stretches `kept`.
  private mutating func blankDictionaryRuns(except kept: [[UInt16]]) {
    var i = 0
    var runStart = -1
    func endRun(at end: Int) {
      if runStart >= 0 && !kept.contains(where: { normalized[runStart..<end].contains(stretch: $0) }) {
        for unit in runStart..<end { normalized[unit] = 0x20 }
      }
      runStart = -1
    }
    while i < normalized.count {
      guard let (scalar, width) = decode(i, normalized.count) else {
        endRun(at: i)
        i += 1
        continue
      }
      if Analyzer.isDictionaryScript(scalar.value) {
        if runStart < 0 { runStart = i }
      } else {
        endRun(at: i)
      }
      i += width
    }
    endRun(at: normalized.count)
  }

  /// `scalarTraits` of a scalar (computed, not kept, outside the BMP).
  private mutating func traits(_ scalar: Unicode.Scalar) throws -> UInt8 {
    let value = Int(scalar.value)
    if value < 0x10000 && !scalarTraits.isEmpty && scalarTraits[value] != 0 { return scalarTraits[value] }
    var traits = AnalysisState.known
    if scalar.properties.isAlphabetic || scalar.properties.numericType != nil { traits |= AnalysisState.wordCharacter }
    if value < 0x10000 {
      if try fold(scalar) == [UInt16(value)] { traits |= AnalysisState.foldsToItself }
      if scalarTraits.isEmpty { scalarTraits = [UInt8](repeating: 0, count: 0x10000) }
      scalarTraits[value] = traits
    }
    return traits
  }

  private mutating func fold(_ scalar: Unicode.Scalar) throws -> [UInt16] {
    if let cached = foldCache[scalar.value] { return cached }
    let folded = try CaseFoldNormalizer.normalize(Array(String(scalar).utf16))
    if foldCache.count < 65_536 { foldCache[scalar.value] = folded }
    return folded
  }

  // MARK: - Segments

  /// Adds the segment to the current Han run if it consists of Han characters only.
  private mutating func appendToHanRun(_ start: Int, _ end: Int) -> Bool {
    // Appended in place and taken back if a character is not Han (no array per segment).
    let before = run.characters.count
    var i = start
    while i < end {
      guard let (scalar, width) = decode(i, end), HanRun.isHan(scalar.value) else {
        run.characters.removeSubrange(before...)
        return false
      }
      run.characters.append((scalar, sourceOffset[i], sourceOffset[i + width - 1] + 1))
      i += width
    }
    if run.characters.count == before { return false }
    run.words.append((before, run.characters.count - before))
    return true
  }

  /// Words joined by single hyphens so far (deepseek-r1-lite), to index the joined form;
  /// the joined text, unstemmed, is in `chainText`.
  private struct HyphenChain {
    var scalarCount: Int
    var position: Int32
    var start: Int32
    var end: Int  // normalized offset just past the chain
  }

  /// Emits the tokens of one letter/number segment; returns the next free position.
  private mutating func emitWord(_ start: Int, _ end: Int, at position: Int32, chain: inout HyphenChain?) -> Int32 {
    // Most words are ASCII: classify them from the code units; others scalar by scalar.
    var ascii = true
    var hasDigit = false
    var hasLetter = false
    for i in start..<end {
      let unit = normalized[i]
      if unit >= 0x80 {
        ascii = false
        break
      }
      if unit >= 0x30 && unit <= 0x39 {
        hasDigit = true
      } else if unit >= 0x61 && unit <= 0x7A {
        hasLetter = true
      }
    }
    var scalars: [Unicode.Scalar] = []
    if !ascii {
      var i = start
      while i < end {
        guard let (scalar, width) = decode(i, end) else { return position + 1 }
        scalars.append(scalar)
        i += width
      }
      hasDigit = scalars.contains { $0.properties.numericType != nil }
      hasLetter = scalars.contains { $0.properties.isAlphabetic }
    }
    let scalarCount = ascii ? end - start : scalars.count
    if scalarCount == 0 || scalarCount > Analyzer.maxTokenScalars {
      chain = nil
      return position + 1
    }
    let first = sourceOffset[start]
    let last = sourceOffset[end - 1] + 1
    // The word's bytes, unstemmed: ASCII units are UTF-8 bytes as they are.
    let wordStart = terms.bytes.count
    if ascii {
      for i in start..<end { terms.bytes.append(UInt8(truncatingIfNeeded: normalized[i])) }
    } else {
      for scalar in scalars { terms.appendUTF8(scalar.value) }
    }
    let wordLength = terms.bytes.count - wordStart
    let extendsChain: Bool
    if let joined = chain, joined.end + 1 == start, normalized[joined.end] == 0x2D,
      joined.scalarCount + 1 + scalarCount <= Analyzer.maxTokenScalars
    {
      extendsChain = true
      chainText.append(0x2D)
      chainText.append(contentsOf: terms.bytes[wordStart..<(wordStart + wordLength)])
      chain!.scalarCount += 1 + scalarCount
      chain!.end = end
    } else {
      extendsChain = false
      chainText.removeAll(keepingCapacity: true)
      chainText.append(contentsOf: terms.bytes[wordStart..<(wordStart + wordLength)])
      chain = HyphenChain(scalarCount: scalarCount, position: position, start: first, end: end)
    }
    if !hasDigit {
      if ascii {
        let stemmedLength = terms.bytes.withUnsafeMutableBufferPointer { buffer -> Int in
          let word = UnsafeMutableBufferPointer(rebasing: buffer[wordStart..<(wordStart + wordLength)])
          return EnglishStemmer.isStemmableASCII(UnsafeBufferPointer(word)) ? EnglishStemmer.stemASCII(word) : wordLength
        }
        terms.bytes.removeSubrange((wordStart + stemmedLength)...)
      } else if EnglishStemmer.isStemmable(scalars) {
        let stemmed = EnglishStemmer.stem(scalars)
        if stemmed.count != scalars.count {
          terms.bytes.removeSubrange(wordStart...)
          for scalar in stemmed { terms.appendUTF8(scalar.value) }
        }
      }
    }
    terms.endTerm(from: wordStart, position: position, start: first, end: last)
    var next = position + 1
    if hasDigit && hasLetter {
      if ascii {
        scalars = (start..<end).map { Unicode.Scalar(UInt8(truncatingIfNeeded: normalized[$0])) }
      }
      let parts = AnalysisState.compoundParts(scalars)
      for (k, part) in parts.enumerated() {
        let partStart = terms.bytes.count
        for scalar in scalars[part] { terms.appendUTF8(scalar.value) }
        terms.endTerm(
          from: partStart, position: position + Int32(k), start: sourceOffset[start + part.lowerBound],
          end: sourceOffset[start + part.upperBound - 1] + 1)
      }
      next = position + Int32(max(1, parts.count))
    }
    if extendsChain, let joined = chain {
      let joinedStart = terms.bytes.count
      terms.bytes.append(contentsOf: chainText)
      terms.endTerm(from: joinedStart, position: joined.position, start: joined.start, end: last)
    }
    return next
  }

  /// The parts of a letter/digit compound, as ranges of `scalars`: a part is letters
  /// followed by digits (h100gpu → h100, gpu; rtx4090ti → rtx4090, ti). Parts shorter than
  /// two characters are dropped (910c → 910), and a token that is one part has none.
  static func compoundParts(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
    var groups: [Range<Int>] = []
    var groupStart = 0
    for i in 1..<max(1, scalars.count) {
      let previousIsDigit = scalars[i - 1].properties.numericType != nil
      let currentIsDigit = scalars[i].properties.numericType != nil
      if previousIsDigit && !currentIsDigit {
        groups.append(groupStart..<i)
        groupStart = i
      }
    }
    groups.append(groupStart..<scalars.count)
    if groups.count < 2 { return [] }
    return groups.filter { $0.count >= 2 }
  }

  /// Decodes the scalar at UTF-16 offset `i` of `normalized`; nil for a lone surrogate.
  private func decode(_ i: Int, _ end: Int) -> (Unicode.Scalar, Int)? {
    let unit = normalized[i]
    if unit & 0xFC00 == 0xD800, i + 1 < end, normalized[i + 1] & 0xFC00 == 0xDC00 {
      let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(normalized[i + 1]) - 0xDC00)
      return Unicode.Scalar(value).map { ($0, 2) }
    }
    return Unicode.Scalar(UInt32(unit)).map { ($0, 1) }
  }
}

extension ArraySlice<UInt16> {
  /// Whether `stretch` occurs in these units, side by side (an empty one never does).
  fileprivate func contains(stretch: [UInt16]) -> Bool {
    guard let first = stretch.first, stretch.count <= count else { return false }
    var start = startIndex
    while start <= endIndex - stretch.count {
      if self[start] == first && self[start..<start + stretch.count].elementsEqual(stretch) { return true }
      start += 1
    }
    return false
  }
}
