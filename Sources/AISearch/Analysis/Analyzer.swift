/// Text → tokens, the same way on the index side and the query side.
///
/// Steps:
/// 1. NFKC_Casefold each character (Ｈ１００ → h100, DeepSeek → deepseek) and fold
///    Traditional to Simplified (華為 → 华为, `HanFolding`), keeping a map from every
///    normalized unit back to its original scalar offset, for highlights;
/// 2. ICU word boundaries over the normalized text; segments that are punctuation, spaces or
///    symbols (rule status UBRK_WORD_NONE) are dropped;
/// 3. Han characters are gathered into runs and indexed as bigrams beside ICU's longer
///    dictionary words (`HanRun`);
/// 4. letter/digit compounds index the whole and the parts (h100gpu → h100gpu, h100, gpu),
///    and words joined by hyphens also index the joined form (deepseek-r1 → deepseek, r1,
///    deepseek-r1); the whole takes the position of its first part;
/// 5. words of letters only are stemmed lightly (`EnglishStemmer`: dogs, dog's → dog).
///
/// An `Analyzer` owns an ICU break iterator and caches; use one per thread.
public final class Analyzer {
  /// Bump when the tokens produced for some input change: an index built by another
  /// version must be rebuilt.
  public static let version: UInt32 = 2
  /// Tokens longer than this many scalars (base64 blobs, hashes) are not indexed.
  public static let maxTokenScalars = 64

  private let breaker: WordBreaker
  private let folding: HanFolding
  private var foldCache: [UInt32: [UInt16]] = [:]
  private var normalized: [UInt16] = []
  private var sourceOffset: [Int32] = []
  private var ends: [Int32] = []
  private var statuses: [Int32] = []
  private var run = HanRun()

  /// An analyzer folding Han characters with `folding` (an index's stored table).
  public init(folding: HanFolding = .identity) throws {
    breaker = try WordBreaker()
    self.folding = folding
  }

  /// The tokens of `text`, in order of position.
  public func analyze(_ text: String) throws -> [Token] {
    try normalize(text)
    let segmentCount = try breaker.segment(normalized, ends: &ends, statuses: &statuses)
    var tokens: [Token] = []
    tokens.reserveCapacity(segmentCount)
    var position: Int32 = 0
    var chain: HyphenChain? = nil
    run.removeAll()
    var segmentStart = 0
    for s in 0..<segmentCount {
      let segmentEnd = Int(ends[s])
      defer { segmentStart = segmentEnd }
      if statuses[s] < 100 {
        position = run.emit(at: position, into: &tokens)
        run.removeAll()
        continue
      }
      if appendToHanRun(segmentStart, segmentEnd) {
        chain = nil
        continue
      }
      position = run.emit(at: position, into: &tokens)
      run.removeAll()
      position = emitWord(segmentStart, segmentEnd, at: position, chain: &chain, into: &tokens)
    }
    _ = run.emit(at: position, into: &tokens)
    return tokens
  }

  /// The distinct terms of `text` as sorted 64-bit hashes (FNV-1a), for telling near-copies
  /// apart: normalized and folded as for `analyze`, but without ICU, Han runs giving their
  /// bigrams (a lone character itself) and other letters and digits whole words, neither
  /// split nor stemmed. Copies found among the hits of a query differ in a few words, so
  /// this set compares like the index's terms at a fraction of the cost of `analyze`.
  public func fingerprint(_ text: String) throws -> [UInt64] {
    try normalize(text)
    var hashes: [UInt64] = []
    hashes.reserveCapacity(normalized.count / 2)
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
    var i = 0
    let end = normalized.count
    while i < end {
      guard let (scalar, width) = decode(i, end) else {
        i += 1
        continue
      }
      i += width
      let value = scalar.value
      if HanRun.isHan(value) {
        if wordLength > 0 { hashes.append(word) }
        word = basis
        wordLength = 0
        if let previous = previousHan { hashes.append(mix(mix(basis, previous), value)) }
        previousHan = value
        hanRunLength += 1
        continue
      }
      endHanRun()
      let isWordCharacter =
        value < 0x80
        ? (value >= 0x30 && value <= 0x39) || (value >= 0x61 && value <= 0x7A)
        : scalar.properties.isAlphabetic || scalar.properties.numericType != nil
      if isWordCharacter {
        word = mix(word, value)
        wordLength += 1
      } else if wordLength > 0 {
        hashes.append(word)
        word = basis
        wordLength = 0
      }
    }
    endHanRun()
    if wordLength > 0 { hashes.append(word) }
    hashes.sort()
    var distinct: [UInt64] = []
    distinct.reserveCapacity(hashes.count)
    for hash in hashes where distinct.last != hash { distinct.append(hash) }
    return distinct
  }

  // MARK: - Normalization with an offset map

  /// Fills `normalized` (UTF-16) and `sourceOffset` (for each unit, the index of the original
  /// scalar it came from). Characters are normalized one at a time so that every output unit
  /// maps to exactly one input scalar; ASCII and Han take a fast path.
  private func normalize(_ text: String) throws {
    normalized.removeAll(keepingCapacity: true)
    sourceOffset.removeAll(keepingCapacity: true)
    var index: Int32 = 0
    for scalar in text.unicodeScalars {
      let value = scalar.value
      if value < 0x80 {
        let folded = (value >= 0x41 && value <= 0x5A) ? value + 0x20 : value
        normalized.append(UInt16(folded))
        sourceOffset.append(index)
      } else if value < 0x10000 && HanRun.isHan(value) && !(0xF900...0xFAFF).contains(value) {
        normalized.append(folding.fold(UInt16(value)))
        sourceOffset.append(index)
      } else {
        let folded = try fold(scalar)
        for unit in folded {
          // NFKC maps compatibility ideographs to unified ones, which fold too.
          normalized.append(HanRun.isHan(UInt32(unit)) ? folding.fold(unit) : unit)
          sourceOffset.append(index)
        }
      }
      index += 1
    }
  }

  private func fold(_ scalar: Unicode.Scalar) throws -> [UInt16] {
    if let cached = foldCache[scalar.value] { return cached }
    let folded = try CaseFoldNormalizer.normalize(Array(String(scalar).utf16))
    if foldCache.count < 65_536 { foldCache[scalar.value] = folded }
    return folded
  }

  // MARK: - Segments

  /// Adds the segment to the current Han run if it consists of Han characters only.
  private func appendToHanRun(_ start: Int, _ end: Int) -> Bool {
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

  /// Words joined by single hyphens so far (deepseek-r1-lite), to index the joined form.
  private struct HyphenChain {
    var text: String
    var scalarCount: Int
    var position: Int32
    var start: Int32
    var end: Int  // normalized offset just past the chain
  }

  /// Emits the tokens of one letter/number segment; returns the next free position.
  private func emitWord(
    _ start: Int, _ end: Int, at position: Int32, chain: inout HyphenChain?, into tokens: inout [Token]
  ) -> Int32 {
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
    let word: String
    if ascii {
      // ASCII units are UTF-8 bytes as they are: no transcoding, no validation.
      word = String(unsafeUninitializedCapacity: end - start) { buffer in
        for i in start..<end { buffer[i - start] = UInt8(truncatingIfNeeded: normalized[i]) }
        return end - start
      }
      // The scalars are needed only to stem (a word ending in s or an apostrophe) or to
      // split a letter/digit compound.
      let lastUnit = normalized[end - 1]
      if (!hasDigit && (lastUnit == 0x73 || lastUnit == 0x27)) || (hasDigit && hasLetter) {
        scalars = Array(word.unicodeScalars)
      }
    } else {
      word = String(decoding: normalized[start..<end], as: UTF16.self)
    }
    if hasDigit {
      tokens.append(Token(term: word, position: position, start: first, end: last))
    } else if EnglishStemmer.isStemmable(scalars) {
      let stemmed = EnglishStemmer.stem(scalars)
      let term = stemmed.count == scalars.count ? word : String(String.UnicodeScalarView(stemmed))
      tokens.append(Token(term: term, position: position, start: first, end: last))
    } else {
      tokens.append(Token(term: word, position: position, start: first, end: last))
    }
    var next = position + 1
    if hasDigit && hasLetter {
      let parts = Analyzer.compoundParts(scalars)
      for (k, part) in parts.enumerated() {
        tokens.append(
          Token(
            term: String(String.UnicodeScalarView(scalars[part])), position: position + Int32(k),
            start: sourceOffset[start + part.lowerBound], end: sourceOffset[start + part.upperBound - 1] + 1))
      }
      next = position + Int32(max(1, parts.count))
    }
    if var joined = chain, joined.end + 1 == start, normalized[joined.end] == 0x2D,
      joined.scalarCount + 1 + scalarCount <= Analyzer.maxTokenScalars
    {
      joined.text += "-" + word
      joined.scalarCount += 1 + scalarCount
      joined.end = end
      tokens.append(Token(term: joined.text, position: joined.position, start: joined.start, end: last))
      chain = joined
    } else {
      chain = HyphenChain(text: word, scalarCount: scalarCount, position: position, start: first, end: end)
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
