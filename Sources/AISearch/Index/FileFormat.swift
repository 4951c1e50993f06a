/// The envelope every index file shares, and the integer codings inside it.
///
///     File   --> Header, Body, Footer
///     Header --> Magic "AISX" (4 bytes), Kind (4 ASCII bytes, e.g. "TERM"), Version (u32)
///     Footer --> CRC32 (u32) of every byte before the footer, Magic "XSIA" (4 bytes)
///
/// Integers are little-endian. A varint is LEB128: 7 bits a byte, low groups first, the
/// high bit set on every byte but the last (300 → AC 02). Strings are a varint byte
/// length followed by UTF-8.
///
/// Readers check magic, kind, version and the footer magic before trusting any byte, and
/// every decode is bounds-checked, so a truncated or damaged file is reported as corrupt
/// (naming the file) instead of crashing. The CRC covers the whole file; `verifyChecksum`
/// checks it (readers do so when a file is small enough for the cost not to matter).
enum FileFormat {
  static let version: UInt32 = 13
  static let headerSize = 12
  static let footerSize = 8
  static let headerMagic: [UInt8] = Array("AISX".utf8)
  static let footerMagic: [UInt8] = Array("XSIA".utf8)
  /// Files up to this size have their checksum verified whenever they are opened; larger
  /// ones by `aisearch check` and before a merge reads them, as Lucene does (a search must
  /// not do work proportional to the index size: verifying a 22 MB index took more time
  /// than the query). Every read is bounds-checked, so damage never crashes a search.
  static let eagerVerifyLimit = 64 << 10

  enum Kind: String {
    case manifest = "MANI"
    case terms = "TERM"
    case postings = "POST"
    case lengths = "LENS"
    case passages = "PASS"
  }

  static func header(_ kind: Kind) -> ByteWriter {
    var writer = ByteWriter()
    writer.bytes.append(contentsOf: headerMagic)
    writer.bytes.append(contentsOf: Array(kind.rawValue.utf8))
    writer.u32(version)
    return writer
  }

  static func finish(_ writer: inout ByteWriter) {
    let crc = CRC32.checksum(writer.bytes)
    writer.u32(crc)
    writer.bytes.append(contentsOf: footerMagic)
  }

  /// Checks the envelope of a mapped file and returns the body's byte range.
  static func openBody(_ bytes: UnsafeRawBufferPointer, kind: Kind, path: String) throws -> Range<Int> {
    guard bytes.count >= headerSize + footerSize else {
      throw AISearchError.corrupt(path, "truncated: \(bytes.count) bytes")
    }
    guard Array(bytes[0..<4]) == headerMagic, Array(bytes[4..<8]) == Array(kind.rawValue.utf8) else {
      throw AISearchError.corrupt(path, "not an aisearch \(kind.rawValue) file")
    }
    let fileVersion = bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian
    guard fileVersion == version else {
      throw AISearchError(
        .corrupt,
        "index file \(path) has format version \(fileVersion), this aisearch reads version \(version); rebuild it with `aisearch index --rebuild PATH...`",
        path: path)
    }
    guard Array(bytes[(bytes.count - 4)...]) == footerMagic else {
      throw AISearchError.corrupt(path, "truncated: footer missing")
    }
    if bytes.count <= eagerVerifyLimit { try verifyChecksum(bytes, path: path) }
    return headerSize..<(bytes.count - footerSize)
  }

  static func verifyChecksum(_ bytes: UnsafeRawBufferPointer, path: String) throws {
    let end = bytes.count - footerSize
    let stored = bytes.loadUnaligned(fromByteOffset: end, as: UInt32.self).littleEndian
    let actual = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<end]))
    guard stored == actual else {
      throw AISearchError.corrupt(path, "checksum mismatch")
    }
  }
}

/// Appends little-endian integers, varints and strings to a byte array.
struct ByteWriter {
  var bytes: [UInt8] = []

  var count: Int { bytes.count }

  mutating func u8(_ value: UInt8) { bytes.append(value) }

  mutating func u16(_ value: UInt16) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  mutating func u32(_ value: UInt32) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  mutating func u64(_ value: UInt64) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  mutating func varint(_ value: UInt64) {
    var v = value
    while v >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
      v >>= 7
    }
    bytes.append(UInt8(v))
  }

  mutating func varint(_ value: Int) { varint(UInt64(value)) }

  /// The bytes `varint(value)` writes.
  static func varintSize(_ value: Int) -> Int {
    var v = UInt64(value)
    var size = 1
    while v >= 0x80 {
      v >>= 7
      size += 1
    }
    return size
  }

  /// The bytes `string(value)` writes.
  static func stringSize(_ value: String) -> Int { varintSize(value.utf8.count) + value.utf8.count }

  /// The bytes `optionalString(value)` writes.
  static func optionalStringSize(_ value: String?) -> Int {
    value.map { varintSize($0.utf8.count + 1) + $0.utf8.count } ?? 1
  }

  mutating func string(_ value: String) {
    varint(value.utf8.count)
    bytes.append(contentsOf: value.utf8)
  }

  mutating func optionalString(_ value: String?) {
    // 0 = absent, else 1 + byte length: keeps "" and nil apart.
    guard let value else { return varint(0) }
    varint(value.utf8.count + 1)
    bytes.append(contentsOf: value.utf8)
  }

  /// `value` front-coded against `previous`: the number of leading bytes they share, then
  /// the rest as a string (sorted paths repeat their directories). `previous` becomes
  /// `value`.
  mutating func frontCoded(_ value: [UInt8], after previous: inout [UInt8]) {
    let shared = zip(previous, value).prefix { $0 == $1 }.count
    varint(shared)
    varint(value.count - shared)
    bytes.append(contentsOf: value[shared...])
    previous = value
  }
}

/// Bounds-checked reads from a mapped file; any overrun throws `corrupt` naming the file.
struct ByteReader {
  let bytes: UnsafeRawBufferPointer
  var offset: Int
  let end: Int
  let path: String

  init(_ bytes: UnsafeRawBufferPointer, range: Range<Int>, path: String) {
    self.bytes = bytes
    self.offset = range.lowerBound
    self.end = range.upperBound
    self.path = path
  }

  var isAtEnd: Bool { offset >= end }

  func overrun() -> AISearchError { AISearchError.corrupt(path, "record runs past its end at byte \(offset)") }

  mutating func u8() throws -> UInt8 {
    guard offset < end else { throw overrun() }
    defer { offset += 1 }
    return bytes[offset]
  }

  mutating func u16() throws -> UInt16 {
    guard offset + 2 <= end else { throw overrun() }
    defer { offset += 2 }
    return bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self).littleEndian
  }

  mutating func u32() throws -> UInt32 {
    guard offset + 4 <= end else { throw overrun() }
    defer { offset += 4 }
    return bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian
  }

  mutating func u64() throws -> UInt64 {
    guard offset + 8 <= end else { throw overrun() }
    defer { offset += 8 }
    return bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
  }

  @inline(__always)
  mutating func varint() throws -> UInt64 {
    var result: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      guard offset < end, shift < 64 else { throw overrun() }
      let byte = bytes[offset]
      offset += 1
      result |= UInt64(byte & 0x7F) << shift
      if byte < 0x80 { return result }
      shift += 7
    }
  }

  /// A varint that must fit an Int no larger than `limit`.
  mutating func count(max limit: Int) throws -> Int {
    let value = try varint()
    guard value <= UInt64(limit) else {
      throw AISearchError.corrupt(path, "value \(value) out of range at byte \(offset)")
    }
    return Int(value)
  }

  mutating func string() throws -> String {
    let length = try count(max: end - offset)
    defer { offset += length }
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]), as: UTF8.self)
  }

  mutating func optionalString() throws -> String? {
    let tagged = try count(max: end - offset + 1)
    if tagged == 0 { return nil }
    let length = tagged - 1
    defer { offset += length }
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]), as: UTF8.self)
  }

  /// Moves past a string (`string()`) without making it.
  mutating func skipString() throws {
    offset += try count(max: end - offset)
  }

  /// Moves past an optional string (`optionalString()`) without making it.
  mutating func skipOptionalString() throws {
    let tagged = try count(max: end - offset + 1)
    if tagged > 0 { offset += tagged - 1 }
  }

  /// Reads what `ByteWriter.frontCoded(_:after:)` wrote against `previous`, which becomes it.
  mutating func frontCoded(after previous: inout [UInt8]) throws {
    let shared = try count(max: previous.count)
    let suffix = try count(max: end - offset)
    previous.removeSubrange(shared...)
    previous.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + suffix)]))
    offset += suffix
  }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zlib and PNG compute it,
/// using slicing-by-4 tables.
enum CRC32 {
  private static let tables: [[UInt32]] = {
    var tables = [[UInt32]](repeating: [UInt32](repeating: 0, count: 256), count: 4)
    for i in 0..<256 {
      var c = UInt32(i)
      for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
      tables[0][i] = c
    }
    for i in 0..<256 {
      for t in 1..<4 { tables[t][i] = (tables[t - 1][i] >> 8) ^ tables[0][Int(tables[t - 1][i] & 0xFF)] }
    }
    return tables
  }()

  static func checksum(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBytes { checksum($0) }
  }

  static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    finish(update(initial, bytes))
  }

  /// A checksum over several pieces: `finish(update(update(initial, a), b))`.
  static let initial: UInt32 = 0xFFFF_FFFF

  static func finish(_ crc: UInt32) -> UInt32 { crc ^ 0xFFFF_FFFF }

  static func update(_ crc: UInt32, _ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBytes { update(crc, $0) }
  }

  static func update(_ start: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
    let t0 = tables[0], t1 = tables[1], t2 = tables[2], t3 = tables[3]
    var crc = start
    var i = 0
    while i + 4 <= bytes.count {
      crc ^= bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self).littleEndian
      crc = t3[Int(crc & 0xFF)] ^ t2[Int((crc >> 8) & 0xFF)] ^ t1[Int((crc >> 16) & 0xFF)] ^ t0[Int(crc >> 24)]
      i += 4
    }
    while i < bytes.count {
      crc = t0[Int((crc ^ UInt32(bytes[i])) & 0xFF)] ^ (crc >> 8)
      i += 1
    }
    return crc
  }
}
