import Foundation
import TestSupport

@testable import AISearch

/// Flips one bit in the middle of a file.
func flipByte(in path: String, at fraction: Double = 0.5) throws {
  var data = try Data(contentsOf: URL(fileURLWithPath: path))
  let index = min(data.count - 1, Int(Double(data.count) * fraction))
  data[index] ^= 0x20
  try data.write(to: URL(fileURLWithPath: path))
}
