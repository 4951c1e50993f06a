/// Counting the scalars of UTF-8 text without decoding it.
enum UTF8Scalars {
  /// The scalars of valid UTF-8 `bytes` (its bytes that are not continuation bytes), and
  /// how many of them start at U+3000 or above (CJK, kana, Hangul, full-width forms), which
  /// take two columns: their lead byte is E3 or more. Eight bytes at a time: a continuation
  /// byte is 10xxxxxx; a byte is at least E3 when its high bit is set and its low seven
  /// bits plus 0x1D carry into bit 7, a sum that cannot overflow into the next byte.
  static func count(_ bytes: UnsafeRawBufferPointer) -> (scalars: Int, wide: Int) {
    let high: UInt64 = 0x8080_8080_8080_8080
    var continuations = 0
    var wide = 0
    var i = 0
    while i + 8 <= bytes.count {
      let word = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
      continuations += (word & ~(word << 1) & high).nonzeroBitCount
      wide += (word & ((word & ~high) &+ 0x1D1D_1D1D_1D1D_1D1D) & high).nonzeroBitCount
      i += 8
    }
    while i < bytes.count {
      let byte = bytes[i]
      if byte & 0xC0 == 0x80 { continuations += 1 }
      if byte >= 0xE3 { wide += 1 }
      i += 1
    }
    return (bytes.count - continuations, wide)
  }
}
