import Foundation
import TestSupport
import XCTest

/// The result of one run of the built `aisearch` binary.
struct RunResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// The `aisearch` executable SwiftPM built next to this test bundle.
let aisearchBinary: String = {
  let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
  var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
  // On Linux the bundle is an executable in the build directory; elsewhere it may be nested.
  for _ in 0..<4 {
    let candidate = directory.appendingPathComponent("aisearch").path
    if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    directory.deleteLastPathComponent()
  }
  return "aisearch"
}()

/// Runs `aisearch ARGS` in `directory` with a clean environment (no $AISEARCH_INDEX).
func runAISearch(_ arguments: [String], in directory: String, stdin: String? = nil) throws -> RunResult {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: aisearchBinary)
  process.arguments = arguments
  process.currentDirectoryURL = URL(fileURLWithPath: directory)
  var environment = ProcessInfo.processInfo.environment
  environment.removeValue(forKey: "AISEARCH_INDEX")
  process.environment = environment
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  process.standardInput = FileHandle.nullDevice
  try process.run()
  // Read both pipes before waiting, so a large output cannot fill a pipe and block.
  let errData = ReadBox()
  let group = DispatchGroup()
  group.enter()
  DispatchQueue.global().async {
    errData.data = err.fileHandleForReading.readDataToEndOfFile()
    group.leave()
  }
  let outData = out.fileHandleForReading.readDataToEndOfFile()
  group.wait()
  process.waitUntilExit()
  return RunResult(
    status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
    stderr: String(decoding: errData.data, as: UTF8.self))
}

/// What the stderr reader read; written before `group.leave()`, read after `group.wait()`.
private final class ReadBox: @unchecked Sendable {
  var data = Data()
}

/// A temporary working directory for runs of the binary.
final class Workspace: TemporaryDirectory {
  init() throws {
    try super.init(prefix: "aisearch-cli-")
  }

  func run(_ arguments: String...) throws -> RunResult {
    try runAISearch(arguments, in: path)
  }

  /// Copies the repository's seeds/ into the workspace.
  func copySeeds() throws {
    try FileManager.default.copyItem(atPath: seedsDirectory, toPath: path + "/seeds")
  }
}

func jsonLines(_ text: String) throws -> [[String: Any]] {
  try text.split(separator: "\n").map {
    try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
  }
}
