import Foundation

@testable import AISearch

/// A temporary directory removed when the value is deinitialized.
final class TemporaryDirectory {
  let path: String

  init() throws {
    path = NSTemporaryDirectory() + "aisearch-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  func write(_ relative: String, _ text: String) throws {
    try write(relative, Data(text.utf8))
  }

  func write(_ relative: String, _ data: Data) throws {
    let url = URL(fileURLWithPath: path + "/" + relative)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try data.write(to: url)
  }

  func remove(_ relative: String) throws {
    try FileManager.default.removeItem(atPath: path + "/" + relative)
  }
}

/// The repository's seeds/ folder (the demo corpus).
let seedsDirectory: String = {
  var url = URL(fileURLWithPath: #filePath)
  while url.path != "/" {
    url.deleteLastPathComponent()
    if FileManager.default.fileExists(atPath: url.path + "/seeds/000_da694b247fc40f0e.txt") {
      return url.path + "/seeds"
    }
  }
  return "seeds"
}()

/// Flips one bit in the middle of a file.
func flipByte(in path: String, at fraction: Double = 0.5) throws {
  var data = try Data(contentsOf: URL(fileURLWithPath: path))
  let index = min(data.count - 1, Int(Double(data.count) * fraction))
  data[index] ^= 0x20
  try data.write(to: URL(fileURLWithPath: path))
}
