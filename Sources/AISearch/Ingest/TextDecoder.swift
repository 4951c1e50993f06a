/// Bytes → text. UTF-8 (with or without BOM) and UTF-16 with a BOM are decoded; invalid
/// UTF-8 never fails: bad bytes become U+FFFD and the caller gets a warning to report.
public enum TextDecoder {
  public struct Decoded: Equatable {
    public var text: String
    /// Set when the bytes were not valid in the detected encoding.
    public var warning: String?
  }

  public static func decode(_ bytes: [UInt8]) -> Decoded {
    if bytes.count >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE {
      return decodeUTF16(bytes.dropFirst(2), bigEndian: false)
    }
    if bytes.count >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF {
      return decodeUTF16(bytes.dropFirst(2), bigEndian: true)
    }
    let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
    if let text = String(validating: body, as: UTF8.self) {
      return Decoded(text: text, warning: nil)
    }
    return Decoded(
      text: String(decoding: body, as: UTF8.self),
      warning: "invalid UTF-8 bytes replaced with U+FFFD")
  }

  private static func decodeUTF16(_ bytes: ArraySlice<UInt8>, bigEndian: Bool) -> Decoded {
    var units: [UInt16] = []
    units.reserveCapacity(bytes.count / 2)
    var i = bytes.startIndex
    while i + 1 < bytes.endIndex {
      let a = UInt16(bytes[i])
      let b = UInt16(bytes[i + 1])
      units.append(bigEndian ? (a << 8 | b) : (b << 8 | a))
      i += 2
    }
    if let text = String(validating: units, as: UTF16.self) {
      return Decoded(text: text, warning: bytes.count % 2 == 0 ? nil : "odd trailing byte")
    }
    return Decoded(
      text: String(decoding: units, as: UTF16.self),
      warning: "invalid UTF-16 replaced with U+FFFD")
  }

  /// True when the first bytes look binary: a NUL byte (as git and grep decide), unless
  /// the file starts with a UTF-16 byte-order mark.
  public static func looksBinary(_ bytes: [UInt8]) -> Bool {
    if bytes.count >= 2 && (bytes[0] == 0xFF && bytes[1] == 0xFE || bytes[0] == 0xFE && bytes[1] == 0xFF) {
      return false
    }
    return bytes.prefix(8192).contains(0)
  }
}
