import Foundation
import XCTest

@testable import AISearch

final class HugePagesTests: XCTestCase {
  /// A mapping starts at a huge-page boundary, is zeroed, and holds what is written to its
  /// last byte.
  func testMappingIsAlignedAndZeroed() throws {
    let bytes = 3 * HugePages.size + 5
    let base = try XCTUnwrap(HugePages.allocate(bytes))
    XCTAssertEqual(UInt(bitPattern: base) % UInt(HugePages.size), 0)
    XCTAssertEqual(HugePages.roundedUp(bytes), 4 * HugePages.size)
    let memory = UnsafeMutableRawBufferPointer(start: base, count: HugePages.roundedUp(bytes))
    XCTAssertEqual(memory.first { $0 != 0 }, nil)
    memory[memory.count - 1] = 7
    XCTAssertEqual(memory[memory.count - 1], 7)
    // mincore fails with ENOMEM on a range that is not all mapped: all of it is mapped now,
    // and no huge page of it once it is given back.
    var residency = [UInt8](repeating: 0, count: memory.count / 4096)
    XCTAssertEqual(mincore(base, memory.count, &residency), 0)
    HugePages.deallocate(base, bytes)
    for offset in stride(from: 0, to: memory.count, by: HugePages.size) {
      XCTAssertEqual(mincore(base + offset, 4096, &residency), -1, "offset \(offset)")
      XCTAssertEqual(errno, ENOMEM)
    }
  }

  /// Arrays made and grown for huge pages hold what ordinary arrays would, small and large.
  func testArraysKeepTheirElements() {
    for count in [0, 1, 1_000, 1_200_000] {
      XCTAssertEqual(HugePages.array(repeating: UInt64(9), count: count), [UInt64](repeating: 9, count: count))
      let values = (0..<count).map { UInt32(truncatingIfNeeded: $0 &* 2_654_435_761) }
      var grown = HugePages.grown(values, capacity: 2 * count + 1)
      XCTAssertEqual(grown, values)
      XCTAssertGreaterThanOrEqual(grown.capacity, 2 * count + 1)
      grown.append(5)
      XCTAssertEqual(grown.last, 5)
      XCTAssertEqual(grown.count, count + 1)
    }
  }
}
