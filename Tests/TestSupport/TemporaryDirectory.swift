import Foundation

/// A temporary directory removed when the value is deinitialized, shared by the library
/// tests and the command-line tests.
open class TemporaryDirectory {
  public let path: String

  public init(prefix: String = "aisearch-test-") throws {
    path = NSTemporaryDirectory() + prefix + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  public func write(_ relative: String, _ text: String) throws {
    try write(relative, Data(text.utf8))
  }

  public func write(_ relative: String, _ data: Data) throws {
    let url = URL(fileURLWithPath: path + "/" + relative)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try data.write(to: url)
  }

  public func remove(_ relative: String) throws {
    try FileManager.default.removeItem(atPath: path + "/" + relative)
  }
}

/// The repository's seeds/ folder (the demo corpus).
public let seedsDirectory: String = {
  var url = URL(fileURLWithPath: #filePath)
  while url.path != "/" {
    url.deleteLastPathComponent()
    if FileManager.default.fileExists(atPath: url.path + "/seeds/000_da694b247fc40f0e.txt") {
      return url.path + "/seeds"
    }
  }
  return "seeds"
}()
