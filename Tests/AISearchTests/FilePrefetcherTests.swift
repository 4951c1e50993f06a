import Dispatch
import Foundation
import TestSupport
import XCTest

@testable import AISearch

final class FilePrefetcherTests: XCTestCase {
  /// Descriptors this process has open.
  private func openDescriptors() throws -> Int {
    try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
  }

  /// Two workers take a run's files in claimed batches, as the index writer's do, from a
  /// prefetcher that is 4 files ahead, each worker waiting until its file is open (whether
  /// the prefetcher gets there first is otherwise up to the scheduler: a test that counted
  /// on it failed now and then on a loaded machine): every file is handed over, read
  /// through its descriptor with its own contents, the files not to be read are never
  /// opened, and no descriptor is left open.
  func testWorkersReadEachFileThroughItsOwnDescriptor() throws {
    let directory = try TemporaryDirectory()
    let count = 300
    var paths: [String] = []
    for i in 0..<count {
      try directory.write("f\(i).txt", "file \(i) " + String(repeating: "x", count: i % 17))
      paths.append(directory.path + "/f\(i).txt")
    }
    let skipped = Set(stride(from: 5, to: count, by: 11))
    let before = try openDescriptors()
    var sizes: [UInt64] = []
    for i in 0..<count { sizes.append(UInt64("file \(i) ".utf8.count + i % 17)) }
    let prefetcher = FilePrefetcher(sizes: sizes, aheadFiles: 4, aheadBytes: 1 << 20) { skipped.contains($0) ? nil : paths[$0] }
    let handedOver = Counter()
    let contents = UnsafeMutableBufferPointer<String?>.allocate(capacity: count)
    contents.initialize(repeating: nil)
    defer { contents.deallocate() }
    let next = Counter()
    // A prefetcher that stalls fails the test instead of holding it up.
    let deadline = DispatchTime.now() + .seconds(20)
    DispatchQueue.concurrentPerform(iterations: 2) { _ in
      while true {
        let first = next.add(7) - 7
        guard first < count else { return }
        for i in first..<min(first + 7, count) {
          while !skipped.contains(i) && !prefetcher.isHeld(i) && DispatchTime.now() < deadline { usleep(200) }
          let opened = prefetcher.take(i)
          if opened != nil { handedOver.add(1) }
          if skipped.contains(i) {
            XCTAssertNil(opened, "file \(i) was not to be read")
            continue
          }
          let bytes = try! FileSystem.readFile(paths[i], opened: opened)
          contents[i] = String(decoding: bytes, as: UTF8.self)
        }
      }
    }
    prefetcher.stop()
    for i in 0..<count where !skipped.contains(i) {
      XCTAssertEqual(contents[i], "file \(i) " + String(repeating: "x", count: i % 17))
    }
    XCTAssertEqual(handedOver.value, count - skipped.count)
    XCTAssertEqual(try openDescriptors(), before)
  }

  /// Files taken before the prefetcher reaches them, files it cannot open, and files left
  /// when the run stops early: the worker opens the first itself and gets the error for the
  /// second, and stopping closes what nobody took.
  func testFilesTakenEarlyMissingOrLeftAreHandled() throws {
    let directory = try TemporaryDirectory()
    var paths: [String] = []
    for i in 0..<40 {
      try directory.write("f\(i).txt", "file \(i)")
      paths.append(directory.path + "/f\(i).txt")
    }
    try directory.remove("f1.txt")
    let before = try openDescriptors()
    let prefetcher = FilePrefetcher(sizes: [UInt64](repeating: 6, count: 40), aheadFiles: 8) { paths[$0] }
    // Taken at once: the prefetcher may or may not have reached it; either way its bytes.
    XCTAssertEqual(try FileSystem.readFile(paths[0], opened: prefetcher.take(0)), Array("file 0".utf8))
    // Missing: never handed over (by now the prefetcher is past it); opening it says why.
    usleep(50_000)
    XCTAssertNil(prefetcher.take(1))
    XCTAssertThrowsError(try FileSystem.readFile(paths[1], opened: nil)) { error in
      XCTAssertTrue((error as? AISearchError)?.message.contains("cannot read") ?? false, "\(error)")
    }
    // Taken twice: the second time there is nothing to hand over.
    let second = prefetcher.take(2)
    if let second { close(second) }
    XCTAssertNil(prefetcher.take(2))
    prefetcher.stop()
    XCTAssertEqual(try openDescriptors(), before)
  }

  /// A named pipe where a file was expected (put there after the scan) is refused at once,
  /// whoever opens it: opening it to read would wait for a writer and hold up the run.
  func testANamedPipeIsRefusedWithoutWaiting() throws {
    let directory = try TemporaryDirectory()
    let pipe = directory.path + "/pipe.txt"
    XCTAssertEqual(mkfifo(pipe, 0o644), 0)
    XCTAssertThrowsError(try FileSystem.readFile(pipe)) { error in
      XCTAssertEqual((error as? AISearchError)?.message, "cannot read \(pipe): not a regular file")
    }
    let prefetcher = FilePrefetcher(sizes: [0], aheadFiles: 2) { _ in pipe }
    usleep(50_000)
    XCTAssertThrowsError(try FileSystem.readFile(pipe, opened: prefetcher.take(0)))
    prefetcher.stop()
  }
}

/// A counter several threads add to.
private final class Counter: @unchecked Sendable {
  private var count = 0
  private let lock = NSLock()

  /// Adds `amount`; returns the new value.
  @discardableResult func add(_ amount: Int) -> Int {
    lock.lock()
    defer { lock.unlock() }
    count += amount
    return count
  }

  var value: Int { add(0) }
}
