/// Text → tokens, the same way on the index side and the query side.
///
/// Steps: NFKC_Casefold each character (Ｈ１００ → h100, DeepSeek → deepseek) while keeping a
/// map back to the original scalar offsets; ICU word boundaries over the normalized text;
/// letters and digits stay whole tokens (910c, h20); Han characters are gathered into runs
/// and indexed as bigrams beside ICU's longer dictionary words (see `HanRun`); segments that
/// are punctuation, spaces or symbols (ICU rule status UBRK_WORD_NONE) are dropped.
///
/// An `Analyzer` owns an ICU break iterator and caches; use one per thread.
public final class Analyzer {
  /// Bump when the tokens produced for some input change: an index built by another
  /// version must be rebuilt.
  public static let version: UInt32 = 1
  /// Tokens longer than this many scalars (base64 blobs, hashes) are not indexed.
  public static let maxTokenScalars = 64

  private let breaker: WordBreaker
  private var foldCache: [UInt32: [UInt16]] = [:]
  private var normalized: [UInt16] = []
  private var sourceOffset: [Int32] = []
  private var ends: [Int32] = []
  private var statuses: [Int32] = []
  private var run = HanRun()

  public init() throws {
    breaker = try WordBreaker()
  }

  /// The tokens of `text`, in order of position.
  public func analyze(_ text: String) throws -> [Token] {
    try normalize(text)
    let segmentCount = try breaker.segment(normalized, ends: &ends, statuses: &statuses)
    var tokens: [Token] = []
    tokens.reserveCapacity(segmentCount)
    var position: Int32 = 0
    run.removeAll()
    var segmentStart = 0
    for s in 0..<segmentCount {
      let segmentEnd = Int(ends[s])
      defer { segmentStart = segmentEnd }
      let status = statuses[s]
      if status < 100 {
        position = run.emit(at: position, into: &tokens)
        run.removeAll()
        continue
      }
      if appendToHanRun(segmentStart, segmentEnd) { continue }
      position = run.emit(at: position, into: &tokens)
      run.removeAll()
      if let token = makeToken(segmentStart, segmentEnd, position) {
        tokens.append(token)
      }
      position += 1
    }
    _ = run.emit(at: position, into: &tokens)
    return tokens
  }

  /// The terms of `text` in token order (a term that occurs twice is listed twice).
  public func terms(_ text: String) throws -> [String] {
    try analyze(text).map(\.term)
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
        normalized.append(UInt16(value))
        sourceOffset.append(index)
      } else {
        let folded = try fold(scalar)
        for unit in folded {
          normalized.append(unit)
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
    var characters: [(scalar: Unicode.Scalar, start: Int32, end: Int32)] = []
    var i = start
    while i < end {
      guard let (scalar, width) = decode(i, end), HanRun.isHan(scalar.value) else { return false }
      let first = sourceOffset[i]
      characters.append((scalar, first, sourceOffset[i + width - 1] + 1))
      i += width
    }
    if characters.isEmpty { return false }
    run.words.append((run.characters.count, characters.count))
    run.characters.append(contentsOf: characters)
    return true
  }

  private func makeToken(_ start: Int, _ end: Int, _ position: Int32) -> Token? {
    var term = ""
    var count = 0
    var i = start
    while i < end {
      guard let (scalar, width) = decode(i, end) else { return nil }
      term.unicodeScalars.append(scalar)
      count += 1
      i += width
    }
    if count == 0 || count > Analyzer.maxTokenScalars { return nil }
    return Token(
      term: term, position: position, start: sourceOffset[start], end: sourceOffset[end - 1] + 1)
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
