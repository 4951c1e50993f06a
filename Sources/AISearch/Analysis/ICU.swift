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

  /// Segments `text[range]` (which starts and ends at boundaries), writing each segment's
  /// end offset and ICU's rule status from index `count` on; returns the new count.
  func segment(
    _ text: UnsafeBufferPointer<UInt16>, _ range: Range<Int>, ends: UnsafeMutablePointer<Int32>,
    statuses: UnsafeMutablePointer<Int32>, from count: Int
  ) throws -> Int {
    if range.isEmpty { return count }
    var status: Int32 = 0
    let written = cicu_word_breaker_segment(
      handle, text.baseAddress! + range.lowerBound, Int32(range.count), ends + count, statuses + count, &status)
    if written < 0 || status > 0 { throw ICUStatus.error(status, "segmenting text") }
    let offset = Int32(range.lowerBound)
    if offset != 0 {
      for s in count..<(count + Int(written)) { ends[s] += offset }
    }
    return count + Int(written)
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

/// Owns one ICU transliterator, e.g. "Traditional-Simplified". Not thread-safe.
final class Transliterator {
  private let handle: OpaquePointer

  init(_ id: String) throws {
    var status: Int32 = 0
    guard let handle = cicu_transliterator_open(id, &status), status <= 0 else {
      throw ICUStatus.error(status, "opening the \(id) transliterator")
    }
    self.handle = handle
  }

  deinit { cicu_transliterator_close(handle) }

  func transliterate(_ units: [UInt16]) throws -> [UInt16] {
    var capacity = units.count * 2 + 16
    while true {
      var buffer = units + [UInt16](repeating: 0, count: capacity - units.count)
      var status: Int32 = 0
      let length = buffer.withUnsafeMutableBufferPointer {
        cicu_transliterate(handle, $0.baseAddress, Int32(units.count), Int32(capacity), &status)
      }
      if length >= 0 && status <= 0 { return Array(buffer[0..<Int(length)]) }
      if status != 15 || capacity > units.count * 16 + 64 {  // 15: U_BUFFER_OVERFLOW_ERROR
        throw ICUStatus.error(status, "transliterating text")
      }
      capacity *= 2
    }
  }
}

/// ICU's charset detector and converters, for files that are not UTF-8.
enum CharsetConverter {
  /// ICU's best guess for `bytes` and its confidence (0-100), or nil.
  static func detect(_ bytes: ArraySlice<UInt8>) -> (name: String, confidence: Int)? {
    var name = [CChar](repeating: 0, count: 64)
    var status: Int32 = 0
    let sample = bytes.prefix(1 << 16)
    let confidence = sample.withUnsafeBufferPointer { input in
      name.withUnsafeMutableBufferPointer {
        cicu_detect_charset(input.baseAddress, Int32(input.count), $0.baseAddress, 64, &status)
      }
    }
    guard confidence >= 0, status <= 0 else { return nil }
    return (String(cString: name), Int(confidence))
  }

  /// `bytes` decoded from `charset`; `clean` is false when some bytes were invalid.
  static func decode(_ bytes: ArraySlice<UInt8>, charset: String) -> (text: String, clean: Bool)? {
    var capacity = bytes.count + 16
    for _ in 0..<2 {
      var output = [UInt16](repeating: 0, count: capacity)
      var status: Int32 = 0
      var substitutions: Int32 = 0
      let length = bytes.withUnsafeBufferPointer { input in
        output.withUnsafeMutableBufferPointer {
          cicu_convert_to_utf16(
            charset, input.baseAddress, Int32(input.count), $0.baseAddress, Int32(capacity), &substitutions, &status)
        }
      }
      guard length >= 0, status <= 0 else { return nil }
      if Int(length) <= capacity {
        return (String(decoding: output[0..<Int(length)], as: UTF16.self), substitutions == 0)
      }
      capacity = Int(length)
    }
    return nil
  }
}
