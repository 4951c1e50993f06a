/// Traditional → Simplified folding of single Han characters (華 → 华, 騰 → 腾).
///
/// The table is ICU's `Traditional-Simplified` transliterator applied to each character of
/// CJK Unified Ideographs and Extension A, one character at a time (the analyzer folds
/// character by character so that every folded character still maps to its original offset
/// for highlighting). It is computed with ICU when an index is created and stored in the
/// index (`HANFOLD`): the query side reads it from there, which keeps both sides identical
/// even if the system's ICU changes, and spares every query the ~35 ms that opening the
/// transliterator costs.
///
///     HANFOLD --> Header "FOLD", PairCount u32, <From u16, To u16>^PairCount, Footer
///
/// Pairs are sorted by From. Example: 為 → 为 and 華 → 华 are 02 00 00 00 | BA 70 3A 4E |
/// EF 83 4E 53.
public struct HanFolding: Equatable, Sendable {
  /// The ranges folded: CJK Unified Ideographs and Extension A.
  static let ranges: [ClosedRange<UInt32>] = [0x3400...0x4DBF, 0x4E00...0x9FFF]

  /// Sorted (traditional, simplified) pairs; characters not listed fold to themselves.
  public let pairs: [(UInt16, UInt16)]
  private let table: [UInt16]

  public static let identity = HanFolding(pairs: [])

  init(pairs: [(UInt16, UInt16)]) {
    self.pairs = pairs
    // Built by a plain loop into uninitialized storage: a map over 0...0xFFFF through a
    // closure was 2% of a search from a new process.
    self.table =
      pairs.isEmpty
      ? []
      : [UInt16](unsafeUninitializedCapacity: 0x10000) { buffer, count in
        for unit in 0..<0x10000 { buffer[unit] = UInt16(truncatingIfNeeded: unit) }
        for (from, to) in pairs { buffer[Int(from)] = to }
        count = 0x10000
      }
  }

  public static func == (a: HanFolding, b: HanFolding) -> Bool {
    a.pairs.elementsEqual(b.pairs) { $0 == $1 }
  }

  @inline(__always)
  func fold(_ unit: UInt16) -> UInt16 {
    table.isEmpty ? unit : table[Int(unit)]
  }

  /// The table as ICU's transliterator defines it on this machine.
  static func fromICU() throws -> HanFolding {
    let transliterator = try Transliterator("Traditional-Simplified")
    var pairs: [(UInt16, UInt16)] = []
    for range in ranges {
      for value in range {
        let folded = try transliterator.transliterate([UInt16(value)])
        if folded.count == 1, folded[0] != UInt16(value), HanRun.isHan(UInt32(folded[0])) {
          pairs.append((UInt16(value), folded[0]))
        }
      }
    }
    return HanFolding(pairs: pairs)
  }

  func write(to writer: inout ByteWriter) {
    writer.u32(UInt32(pairs.count))
    for (from, to) in pairs {
      writer.u16(from)
      writer.u16(to)
    }
  }

  static func read(from reader: inout ByteReader) throws -> HanFolding {
    let count = Int(try reader.u32())
    guard count <= (reader.end - reader.offset) / 4 else { throw AISearchError.corrupt(reader.path, "fold table too long") }
    var pairs: [(UInt16, UInt16)] = []
    pairs.reserveCapacity(count)
    var previous: UInt16? = nil
    for _ in 0..<count {
      let from = try reader.u16()
      let to = try reader.u16()
      guard previous.map({ $0 < from }) ?? true else { throw AISearchError.corrupt(reader.path, "fold table out of order") }
      previous = from
      pairs.append((from, to))
    }
    return HanFolding(pairs: pairs)
  }
}
