/// Word boundaries of UAX #29 (Unicode text segmentation) for lines of ASCII, giving the
/// segments ICU's word break iterator gives them.
///
/// ICU's rule-based pass costs as much per character on plain ASCII as on anything else,
/// and half the characters of a documentation tree sit on lines of ASCII alone (man pages,
/// code, English prose). A line break is a boundary whatever surrounds it (rules WB3a and
/// WB3b; a CR before an LF stays on its line), so such lines are segmented here and the rest
/// by ICU. `testASCIISegmentsEqualICUs` compares the two on random and real text.
///
/// Rules over the word-break classes ASCII holds: WB3 (CR × LF), WB3a/b (newlines), WB3d
/// (spaces kept together), WB5–WB12 (letters, digits, and the middle punctuation that joins
/// them: `.` and `'` between letters or between digits, `,` and `;` between digits; ICU
/// takes `:` out of MidLetter and puts `@` among the letters), WB13a/b (the underscore
/// joins anything it touches), WB999 (otherwise a boundary). A segment is a word (ICU's
/// rule status ≥ 100) when one of WB5–WB13b joined it or it is a single letter or digit.
enum ASCIIWordBreak {
  private static let other: UInt8 = 0
  private static let letter: UInt8 = 1
  private static let digit: UInt8 = 2
  private static let underscore: UInt8 = 3
  /// `.` and `'`: MidNumLet and Single_Quote, between letters or between digits.
  private static let midNumberOrLetter: UInt8 = 4
  /// `,` and `;`, between digits.
  private static let midNumber: UInt8 = 5
  private static let space: UInt8 = 6
  private static let carriageReturn: UInt8 = 7
  /// LF, VT, FF.
  private static let newline: UInt8 = 8

  private static let classes: [UInt8] = {
    var table = [UInt8](repeating: other, count: 128)
    for c in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(c)] = letter }
    for c in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(c)] = letter }
    table[Int(UInt8(ascii: "@"))] = letter  // ICU counts @ as a letter (e-mail addresses)
    for c in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(c)] = digit }
    table[Int(UInt8(ascii: "_"))] = underscore
    table[Int(UInt8(ascii: "."))] = midNumberOrLetter
    table[Int(UInt8(ascii: "'"))] = midNumberOrLetter
    table[Int(UInt8(ascii: ","))] = midNumber
    table[Int(UInt8(ascii: ";"))] = midNumber
    table[0x20] = space
    table[0x0D] = carriageReturn
    for c in [0x0A, 0x0B, 0x0C] { table[c] = newline }
    return table
  }()

  /// Segments `units[range]` (ASCII only, starting and ending at boundaries), writing each
  /// segment's end offset and a rule status (200 for a word, 0 otherwise) from index `count`
  /// on; returns the new count.
  static func segment(
    _ units: UnsafeBufferPointer<UInt16>, _ range: Range<Int>, ends: UnsafeMutablePointer<Int32>,
    statuses: UnsafeMutablePointer<Int32>, from count: Int
  ) -> Int {
    var count = count
    classes.withUnsafeBufferPointer { classes in
      func classAt(_ i: Int) -> UInt8 { i < range.upperBound ? classes[Int(units[i])] : other }
      var i = range.lowerBound
      while i < range.upperBound {
        let first = classAt(i)
        var status: Int32 = 0
        i += 1
        switch first {
        case letter, digit, underscore:
          var previous = first
          var joined = false
          while i < range.upperBound {
            let next = classAt(i)
            if next == letter || next == digit || next == underscore {
              // WB5, WB8, WB9, WB10 (letters and digits), WB13a/b (the underscore).
              previous = next
              joined = true
              i += 1
              continue
            }
            let after = classAt(i + 1)
            if previous == letter && after == letter && next == midNumberOrLetter {
              // WB6, WB7.
              previous = letter
              joined = true
              i += 2
              continue
            }
            if previous == digit && after == digit && (next == midNumberOrLetter || next == midNumber) {
              // WB11, WB12.
              previous = digit
              joined = true
              i += 2
              continue
            }
            break
          }
          if joined || first != underscore { status = 200 }
        case space:
          while i < range.upperBound && classAt(i) == space { i += 1 }  // WB3d
        case carriageReturn:
          if i < range.upperBound && units[i] == 0x0A { i += 1 }  // WB3
        default:
          break
        }
        ends[count] = Int32(i)
        statuses[count] = status
        count += 1
      }
    }
    return count
  }
}
