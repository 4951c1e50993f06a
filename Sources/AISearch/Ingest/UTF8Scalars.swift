/// Counting the scalars of UTF-8 text without decoding it, eight bytes at a time: a
/// continuation byte is 10xxxxxx; a byte is at least E3 when its high bit is set and its low
/// seven bits plus 0x1D carry into bit 7, a sum that cannot overflow into the next byte.
enum UTF8Scalars {
  private static let high: UInt64 = 0x8080_8080_8080_8080
  private static let ones: UInt64 = 0x0101_0101_0101_0101

  /// The scalars of valid UTF-8 `bytes` (its bytes that are not continuation bytes), and
  /// how many of them start at U+3000 or above (CJK, kana, Hangul, full-width forms), which
  /// take two columns: their lead byte is E3 or more.
  static func count(_ bytes: UnsafeRawBufferPointer) -> (scalars: Int, wide: Int) {
    var continuations = 0
    var wide = 0
    var i = 0
    while i + 8 <= bytes.count {
      tally(word(bytes, at: i), &continuations, &wide)
      i += 8
    }
    while i < bytes.count {
      tally(byte: bytes[i], &continuations, &wide)
      i += 1
    }
    return (bytes.count - continuations, wide)
  }

  /// The same for the line that starts at `start` (at most `bytes.count`): up to the next
  /// line feed (LF), or the end of `bytes`. Returns where the line ends (the LF's index, or
  /// `bytes.count`). Finding the LF in the same words (a zero byte of the word XOR LFs; the
  /// lowest one found is exact) saves a pass over the line.
  static func countLine(_ bytes: UnsafeRawBufferPointer, from start: Int) -> (end: Int, scalars: Int, wide: Int) {
    var continuations = 0
    var wide = 0
    var i = start
    while i + 8 <= bytes.count {
      let chunk = word(bytes, at: i)
      let x = chunk ^ 0x0A0A_0A0A_0A0A_0A0A
      let zeros = (x &- ones) & ~x & high
      if zeros != 0 {
        let before = zeros.trailingZeroBitCount / 8
        tally(before == 0 ? 0 : chunk & (UInt64.max >> UInt64(64 - 8 * before)), &continuations, &wide)
        return (i + before, i + before - start - continuations, wide)
      }
      tally(chunk, &continuations, &wide)
      i += 8
    }
    while i < bytes.count && bytes[i] != 0x0A {
      tally(byte: bytes[i], &continuations, &wide)
      i += 1
    }
    return (i, i - start - continuations, wide)
  }

  /// The scalar whose encoding starts at `bytes[i]` in valid UTF-8, and its length in bytes
  /// (the caller makes sure the bytes are there: `length(lead:)`).
  @inline(__always)
  static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (value: UInt32, length: Int) {
    let lead = UInt32(bytes[i])
    let length = length(lead: bytes[i])
    guard length > 1 else { return (lead, 1) }
    var value = lead & (0x7F >> UInt32(length))
    for k in 1..<length { value = value << 6 | UInt32(bytes[i + k] & 0x3F) }
    return (value, length)
  }

  /// The bytes of the scalar a lead byte starts: 1 below 0x80, 2 from C0, 3 from E0, else 4.
  @inline(__always)
  static func length(lead: UInt8) -> Int {
    lead < 0x80 ? 1 : lead >= 0xC0 && lead < 0xE0 ? 2 : lead >= 0xE0 && lead < 0xF0 ? 3 : 4
  }

  /// The eight bytes at `offset`, the first in the low byte.
  @inline(__always)
  private static func word(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
    UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
  }

  /// Adds a word's continuation bytes and wide lead bytes to the counts.
  @inline(__always)
  private static func tally(_ word: UInt64, _ continuations: inout Int, _ wide: inout Int) {
    continuations += highBitCount(word & ~(word << 1) & high)
    wide += highBitCount(word & ((word & ~high) &+ 0x1D1D_1D1D_1D1D_1D1D) & high)
  }

  /// The same for one byte.
  @inline(__always)
  private static func tally(byte: UInt8, _ continuations: inout Int, _ wide: inout Int) {
    if byte & 0xC0 == 0x80 { continuations += 1 }
    if byte >= 0xE3 { wide += 1 }
  }

  /// Bits set at 0x80 positions only, counted with one multiply (this build may not use
  /// the processor's popcount).
  @inline(__always)
  private static func highBitCount(_ bits: UInt64) -> Int {
    Int(((bits >> 7) &* ones) >> 56)
  }
}
