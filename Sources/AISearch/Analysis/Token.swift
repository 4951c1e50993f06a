/// One indexed term occurrence.
///
/// `start`/`end` are [start, end) offsets in Unicode scalars of the *original* text (before
/// normalization), so highlights land on the characters the user wrote. `position` counts
/// tokens; the bigrams of one Han run take consecutive positions, so a query word's
/// bigrams can be matched as a phrase.
public struct Token: Equatable, Sendable, CustomStringConvertible {
  public var term: String
  public var position: Int32
  public var start: Int32
  public var end: Int32

  public init(term: String, position: Int32, start: Int32, end: Int32) {
    self.term = term
    self.position = position
    self.start = start
    self.end = end
  }

  public var description: String { "\(term)@\(position)[\(start),\(end))" }
}

/// The tokens of one text as the analyzer leaves them: every term's UTF-8 bytes in one
/// buffer and an entry per token, so that indexing never makes a String per token (a
/// large tier has hundreds of millions).
struct TermList {
  struct Entry {
    /// The term is `bytes[byteStart..<byteStart + byteCount]`.
    var byteStart: Int32
    var byteCount: Int32
    var position: Int32
    var start: Int32
    var end: Int32
  }

  var bytes: [UInt8] = []
  var entries: [Entry] = []

  mutating func removeAll() {
    bytes.removeAll(keepingCapacity: true)
    entries.removeAll(keepingCapacity: true)
  }

  /// Records the bytes appended since `byteStart` as one token.
  @inline(__always)
  mutating func endTerm(from byteStart: Int, position: Int32, start: Int32, end: Int32) {
    entries.append(
      Entry(byteStart: Int32(byteStart), byteCount: Int32(bytes.count - byteStart), position: position, start: start, end: end))
  }

  /// Appends the UTF-8 encoding of a valid scalar value.
  @inline(__always)
  mutating func appendUTF8(_ value: UInt32) {
    if value < 0x80 {
      bytes.append(UInt8(value))
    } else if value < 0x800 {
      bytes.append(UInt8(0xC0 | value >> 6))
      bytes.append(UInt8(0x80 | value & 0x3F))
    } else if value < 0x10000 {
      bytes.append(UInt8(0xE0 | value >> 12))
      bytes.append(UInt8(0x80 | (value >> 6) & 0x3F))
      bytes.append(UInt8(0x80 | value & 0x3F))
    } else {
      bytes.append(UInt8(0xF0 | value >> 18))
      bytes.append(UInt8(0x80 | (value >> 12) & 0x3F))
      bytes.append(UInt8(0x80 | (value >> 6) & 0x3F))
      bytes.append(UInt8(0x80 | value & 0x3F))
    }
  }

  /// The entries as tokens with String terms (queries, highlights, tests).
  var tokens: [Token] {
    bytes.withUnsafeBufferPointer { buffer in
      entries.map { entry in
        let term = String(
          decoding: UnsafeBufferPointer(rebasing: buffer[Int(entry.byteStart)..<Int(entry.byteStart + entry.byteCount)]),
          as: UTF8.self)
        return Token(term: term, position: entry.position, start: entry.start, end: entry.end)
      }
    }
  }
}
