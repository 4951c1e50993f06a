#if canImport(Glibc)
  import Glibc
#endif

/// Bytes → text. UTF-16 with a BOM and UTF-8 (with or without BOM) are decoded directly;
/// other bytes go to ICU's charset detector, and a legacy Chinese, Japanese or Korean
/// encoding it recognizes (GB18030/GBK, Big5, …) is converted, and text too short for it
/// is tried as GB18030 and Big5 (`shortLegacyChinese`). Nothing fails: bytes that fit no
/// encoding become U+FFFD and the caller gets a warning to report.
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
    let repaired = String(decoding: body, as: UTF8.self)
    if !mostlyUTF8(body, repaired: repaired), let legacy = shortLegacyChinese(body) {
      return legacy
    }
    return Decoded(text: repaired, warning: "invalid UTF-8 bytes replaced with U+FFFD")
  }

  /// A double-byte Chinese encoding and its common block: GB2312's symbols and characters
  /// (A1A1–A9FE, B0A1–F7FE) in GB18030, the symbols and 5,401 frequently used characters
  /// (A140–A3BF, A440–C67E) in Big5. Text in an encoding keeps almost all of its characters
  /// there; the same bytes read in the other encoding fall outside, or into user-defined
  /// areas, for a large share of them.
  struct CommonBlock {
    let charset: String
    /// GB18030 also has four-byte sequences (a digit as second byte), outside every block.
    let hasFourByteSequences: Bool
    let contains: (_ lead: UInt8, _ trail: UInt8) -> Bool
  }

  static let commonBlocks = [
    CommonBlock(charset: "GB18030", hasFourByteSequences: true) { lead, trail in
      trail >= 0xA1 && trail <= 0xFE && (0xA1...0xA9 ~= lead || 0xB0...0xF7 ~= lead)
    },
    CommonBlock(charset: "Big5", hasFourByteSequences: false) { lead, trail in
      let code = UInt16(lead) << 8 | UInt16(trail)
      return (trail <= 0x7E || trail >= 0xA1) && (0xA140...0xA3BF ~= code || 0xA440...0xC67E ~= code)
    },
  ]
  /// The share of a text's double-byte characters that must be common for the encoding to
  /// be taken without the detector.
  static let minimumCommonShare = 0.75

  /// Text too short for ICU's detector (it wants a few dozen characters: a 9-character
  /// GBK line got no trusted guess and was indexed as U+FFFD): each of GB18030 and Big5
  /// that converts the bytes cleanly is scored by the share of its double-byte characters
  /// in its common block, and the best is taken if that share is high enough.
  static func shortLegacyChinese(_ bytes: ArraySlice<UInt8>) -> Decoded? {
    var best: (share: Double, decoded: Decoded)? = nil
    for block in commonBlocks {
      var characters = 0
      var common = 0
      var i = bytes.startIndex
      while i < bytes.endIndex {
        let lead = bytes[i]
        guard lead >= 0x81, lead != 0xFF, i + 1 < bytes.endIndex else {
          i += 1
          continue
        }
        characters += 1
        let trail = bytes[i + 1]
        if block.hasFourByteSequences && (0x30...0x39).contains(trail) {
          i += 4
          continue
        }
        if block.contains(lead, trail) { common += 1 }
        i += 2
      }
      guard characters > 0 else { return nil }
      let share = Double(common) / Double(characters)
      guard share >= minimumCommonShare, share > (best?.share ?? 0),
        let converted = CharsetConverter.decode(bytes, charset: block.charset), converted.clean
      else { continue }
      best = (share, Decoded(text: converted.text, encoding: block.charset, warning: nil))
    }
    return best?.decoded
  }

  /// Whether nine in ten bytes above ASCII form valid UTF-8: a UTF-8 file with a few damaged
  /// bytes stays UTF-8 (with U+FFFD where damaged) and is never read as a legacy encoding.
  /// GBK text forms valid UTF-8 by chance for about one pair in eight (a lead byte C2–DF
  /// with a trail byte up to BF), as 龙芯's 芯 does.
  private static func mostlyUTF8(_ bytes: ArraySlice<UInt8>, repaired: String) -> Bool {
    let high = bytes.reduce(0) { $0 + ($1 >= 0x80 ? 1 : 0) }
    var valid = 0
    for scalar in repaired.unicodeScalars where scalar.value >= 0x80 && scalar != "\u{FFFD}" {
      valid += UTF8.width(scalar)
    }
    return 10 * valid >= 9 * high
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
    // memchr: the generic `contains` went a byte at a time (0.8% of a large build's samples).
    return bytes.withUnsafeBytes { raw in
      guard let base = raw.baseAddress else { return false }
      return memchr(base, 0, min(raw.count, 8192)) != nil
    }
  }
}
