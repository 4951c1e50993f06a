/// Bytes → text. UTF-16 with a BOM and UTF-8 (with or without BOM) are decoded directly;
/// other bytes go to ICU's charset detector, and a legacy Chinese, Japanese or Korean
/// encoding it recognizes (GB18030/GBK, Big5, …) is converted. Nothing fails: bytes that
/// fit no encoding become U+FFFD and the caller gets a warning to report.
public enum TextDecoder {
  public struct Decoded: Equatable {
    public var text: String
    /// The encoding used, as ICU names it ("UTF-8", "GB18030", "Big5", …).
    public var encoding: String = "UTF-8"
    /// Set when the bytes were not valid in the encoding used.
    public var warning: String?
  }

  /// Encodings taken from the detector: the legacy CJK ones this engine's users meet. Its
  /// single-byte guesses (ISO-8859-x, windows-125x) and BOM-less UTF-16 are not taken: any
  /// byte sequence "decodes" in them, so a wrong guess would index garbage silently. A
  /// guess is also dropped when its conversion is not clean; such files fall back to UTF-8
  /// with replacement characters and a warning.
  static let detectable: Set<String> = [
    "GB18030", "Big5", "EUC-JP", "Shift_JIS", "EUC-KR", "ISO-2022-CN", "ISO-2022-JP", "ISO-2022-KR",
  ]
  /// The detector's confidence (0-100) below which its guess is not trusted.
  static let minimumConfidence = 10

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
    if let guess = CharsetConverter.detect(body), guess.confidence >= minimumConfidence,
      detectable.contains(guess.name), let converted = CharsetConverter.decode(body, charset: guess.name),
      converted.clean
    {
      return Decoded(text: converted.text, encoding: guess.name, warning: nil)
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
      return Decoded(text: text, encoding: bigEndian ? "UTF-16BE" : "UTF-16LE", warning: bytes.count % 2 == 0 ? nil : "odd trailing byte")
    }
    return Decoded(
      text: String(decoding: units, as: UTF16.self), encoding: bigEndian ? "UTF-16BE" : "UTF-16LE",
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
