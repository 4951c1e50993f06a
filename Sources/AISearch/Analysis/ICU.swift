import CICU

/// Owns one ICU word break iterator (UBRK_WORD, locale "zh").
///
/// Not thread-safe: each analyzing thread owns its own, as ICU iterators carry state.
final class WordBreaker {
  private let handle: OpaquePointer

  init() throws {
    var status: Int32 = 0
    guard let handle = cicu_word_breaker_open("zh", &status), status <= 0 else {
      throw ICUStatus.error(status, "opening the word break iterator")
    }
    self.handle = handle
  }

  deinit { cicu_word_breaker_close(handle) }

  /// Segments `text`; fills `ends` and `statuses` (resized as needed) and returns the
  /// number of segments.
  func segment(_ text: [UInt16], ends: inout [Int32], statuses: inout [Int32]) throws -> Int {
    if text.isEmpty { return 0 }
    if ends.count < text.count {
      ends = [Int32](repeating: 0, count: text.count)
      statuses = [Int32](repeating: 0, count: text.count)
    }
    var status: Int32 = 0
    let count = text.withUnsafeBufferPointer { textBuffer in
      ends.withUnsafeMutableBufferPointer { endsBuffer in
        statuses.withUnsafeMutableBufferPointer { statusBuffer in
          cicu_word_breaker_segment(
            handle, textBuffer.baseAddress, Int32(textBuffer.count), endsBuffer.baseAddress,
            statusBuffer.baseAddress, &status)
        }
      }
    }
    if count < 0 || status > 0 { throw ICUStatus.error(status, "segmenting text") }
    return Int(count)
  }
}

/// ICU's NFKC_Casefold normalization (full-width → ASCII, case folded, compatibility forms).
enum CaseFoldNormalizer {
  static func normalize(_ units: [UInt16]) throws -> [UInt16] {
    var capacity = max(units.count * 3, 8)
    while true {
      var status: Int32 = 0
      var output = [UInt16](repeating: 0, count: capacity)
      let length = units.withUnsafeBufferPointer { source in
        output.withUnsafeMutableBufferPointer { target in
          cicu_nfkc_casefold(
            source.baseAddress, Int32(source.count), target.baseAddress, Int32(capacity),
            &status)
        }
      }
      if length < 0 || status > 0 { throw ICUStatus.error(status, "normalizing text") }
      if Int(length) <= capacity { return Array(output[0..<Int(length)]) }
      capacity = Int(length)
    }
  }
}

/// Converts ICU status codes (failure when > 0; negative values are warnings) to errors.
enum ICUStatus {
  static func error(_ status: Int32, _ doing: String) -> AISearchError {
    AISearchError(.icu, "ICU failed while \(doing) (UErrorCode \(status)); is libicu installed?")
  }
}
