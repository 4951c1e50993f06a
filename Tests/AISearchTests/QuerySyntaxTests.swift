import XCTest

@testable import AISearch

/// The query language's date filter, below the command line.
final class QuerySyntaxTests: XCTestCase {
  func testDatesMustBeInTheCalendar() {
    XCTAssertTrue(ParsedQuery.isCalendarDate([2025]))
    XCTAssertTrue(ParsedQuery.isCalendarDate([2025, 12]))
    XCTAssertFalse(ParsedQuery.isCalendarDate([2025, 13]))
    XCTAssertFalse(ParsedQuery.isCalendarDate([2025, 0]))
    XCTAssertTrue(ParsedQuery.isCalendarDate([2025, 1, 31]))
    XCTAssertFalse(ParsedQuery.isCalendarDate([2025, 4, 31]))
    XCTAssertFalse(ParsedQuery.isCalendarDate([2025, 1, 0]))
    // Leap years: every fourth, but not centuries unless they divide by 400.
    XCTAssertTrue(ParsedQuery.isCalendarDate([2024, 2, 29]))
    XCTAssertFalse(ParsedQuery.isCalendarDate([2025, 2, 29]))
    XCTAssertFalse(ParsedQuery.isCalendarDate([1900, 2, 29]))
    XCTAssertTrue(ParsedQuery.isCalendarDate([2000, 2, 29]))
  }

  func testDateRangesOfCalendarDatesParse() throws {
    XCTAssertNoThrow(try ParsedQuery.dateRange("2024-02-29"))
    XCTAssertNoThrow(try ParsedQuery.dateRange("2025-01..2025-12"))
    XCTAssertNoThrow(try ParsedQuery.dateRange("..2025-06-30"))
    for bad in ["2025-13", "2025-02-29", "2025-01..2025-13-01", "2025-04-31..", "2025-1"] {
      XCTAssertThrowsError(try ParsedQuery.dateRange(bad), bad) { error in
        XCTAssertEqual((error as? AISearchError)?.code, .input, bad)
      }
    }
  }
}
