import XCTest

@testable import AISearch

/// The query language's date filter, below the command line.
final class QuerySyntaxTests: XCTestCase {
  func testDatesMustBeInTheCalendar() {
    XCTAssertTrue(Metadata.isCalendarDate([2025]))
    XCTAssertTrue(Metadata.isCalendarDate([2025, 12]))
    XCTAssertFalse(Metadata.isCalendarDate([2025, 13]))
    XCTAssertFalse(Metadata.isCalendarDate([2025, 0]))
    XCTAssertTrue(Metadata.isCalendarDate([2025, 1, 31]))
    XCTAssertFalse(Metadata.isCalendarDate([2025, 4, 31]))
    XCTAssertFalse(Metadata.isCalendarDate([2025, 1, 0]))
    // Leap years: every fourth, but not centuries unless they divide by 400.
    XCTAssertTrue(Metadata.isCalendarDate([2024, 2, 29]))
    XCTAssertFalse(Metadata.isCalendarDate([2025, 2, 29]))
    XCTAssertFalse(Metadata.isCalendarDate([1900, 2, 29]))
    XCTAssertTrue(Metadata.isCalendarDate([2000, 2, 29]))
  }

  func testOnlyCalendarDatesAreFiltered() {
    for date in ["2025", "2025-03", "2025-03-14", "2024-02-29"] { XCTAssertTrue(Metadata.isFilterableDate(date), date) }
    for date in ["tomorrow", "March 2025", "2025-13", "2025-02-29", "2025-3-14", "20250314", "2025-03-14x", ""] {
      XCTAssertFalse(Metadata.isFilterableDate(date), date)
    }
  }

  func testDateRangesOfCalendarDatesParse() throws {
    XCTAssertNoThrow(try ParsedQuery.dateRange("2024-02-29"))
    XCTAssertNoThrow(try ParsedQuery.dateRange("2025-01..2025-12"))
    XCTAssertNoThrow(try ParsedQuery.dateRange("..2025-06-30"))
    XCTAssertNoThrow(try ParsedQuery.dateRange("2025..2025-03"))
    XCTAssertNoThrow(try ParsedQuery.dateRange("2025-03..2025"))
    XCTAssertNoThrow(try ParsedQuery.dateRange("2025-03-31..2025-03"))
    for bad in [
      "2025-13", "2025-02-29", "2025-01..2025-13-01", "2025-04-31..", "2025-1", "2025..2024", "2025-04..2025-03",
      "2025-03-02..2025-03-01",
    ] {
      XCTAssertThrowsError(try ParsedQuery.dateRange(bad), bad) { error in
        XCTAssertEqual((error as? AISearchError)?.code, .input, bad)
      }
    }
  }

  func testAFieldWithoutAValueIsAWordWithANote() throws {
    let query = try ParsedQuery("tag: 华为")
    XCTAssertEqual(query.notes, ["tag: has no value after it, so it was searched as a word; write tag:VALUE"])
    XCTAssertTrue(query.filters.isEmpty)
    XCTAssertEqual(try ParsedQuery("tag:hardware 华为").notes, [])
    XCTAssertEqual(try ParsedQuery("华为 TITLE:").notes, ["title: has no value after it, so it was searched as a word; write title:VALUE"])
    // Other words with a colon are words, without a note.
    XCTAssertEqual(try ParsedQuery("Note: 华为").notes, [])
  }

  /// NOT negates the item or filter after it, as "-" does; alone, or before a signed item,
  /// it is dropped with a note.
  func testNotNegatesWhatFollows() throws {
    let query = try ParsedQuery("华为 NOT 910C NOT \"训练 成本\" NOT path:notes not")
    XCTAssertEqual(query.notes, [])
    XCTAssertEqual(query.clauses.map(\.occur), [.should, .mustNot, .mustNot, .should])
    XCTAssertEqual(query.clauses.map { $0.alternatives.map(\.text) }, [["华为"], ["910C"], ["训练 成本"], ["not"]])
    XCTAssertEqual(query.filters, [ParsedQuery.FilterGroup(filters: [.path("notes")], negated: true)])
    XCTAssertEqual(try ParsedQuery("NOT title:GPU 芯片").clauses.map(\.occur), [.mustNot, .should])
    for (text, note) in [
      ("华为 NOT", "a lone NOT was ignored"), ("华为 NOT OR 910C", "a lone NOT was ignored"),
      ("NOT \"\" 华为", "an empty phrase was ignored"), ("华为 NOT +910C", "NOT before +910C was ignored"),
    ] {
      let repaired = try ParsedQuery(text)
      XCTAssertTrue(repaired.notes.contains(note), "\(text): \(repaired.notes)")
      XCTAssertFalse(repaired.clauses.contains { $0.occur == .mustNot }, text)
    }
    XCTAssertEqual(try ParsedQuery("NOT \"\" 华为").notes, ["an empty phrase was ignored", "a lone NOT was ignored"])
  }

  /// A sign or NOT before parentheses applies to each item inside that has none.
  func testParentheses() throws {
    func parsed(_ text: String) throws -> [(String, ParsedQuery.Occur)] {
      try ParsedQuery(text).clauses.flatMap { clause in clause.alternatives.map { ($0.text, clause.occur) } }
    }
    func same(_ a: [(String, ParsedQuery.Occur)], _ b: [(String, ParsedQuery.Occur)], _ text: String) {
      XCTAssertEqual(a.map(\.0), b.map(\.0), text)
      XCTAssertEqual(a.map(\.1), b.map(\.1), text)
    }
    same(try parsed("华为 -(手机 OR \"发布 会\")"), [("华为", .should), ("手机", .mustNot), ("发布 会", .mustNot)], "-( )")
    same(try parsed("华为 NOT (手机 +芯片)"), [("华为", .should), ("手机", .mustNot), ("芯片", .must)], "NOT ( )")
    same(try parsed("(华为 OR 中兴) AND 芯片"), [("华为", .must), ("中兴", .must), ("芯片", .must)], "( ) AND")
    same(try parsed("-(a (b) c) d"), [("a", .mustNot), ("b", .mustNot), ("c", .mustNot), ("d", .should)], "nested")
    same(try parsed("printf() f(x)"), [("printf()", .should), ("f(x)", .should)], "no group")
    XCTAssertEqual(try ParsedQuery("华为 -(手机 OR 芯片)").notes, [])
    let open = try ParsedQuery("华为 -(手机 芯片")
    XCTAssertEqual(open.notes, ["an unbalanced parenthesis was closed at the end of the query"])
    XCTAssertEqual(open.clauses.map(\.occur), [.should, .mustNot, .mustNot])
    XCTAssertEqual(try ParsedQuery("华为) 芯片").clauses.map(\.occur), [.should, .should])
  }

  /// A word ending in * is a prefix, unless quoted or too short to mean one.
  func testPrefixes() throws {
    let query = try ParsedQuery("instal* -dpkg-* title:Libre** 华* \"conf*\" path:*.md")
    XCTAssertEqual(query.notes, [])
    XCTAssertEqual(query.clauses.map { $0.alternatives.map(\.text) }, [["instal"], ["dpkg-"], ["Libre"], ["华"], ["conf*"]])
    XCTAssertEqual(query.clauses.map { $0.alternatives.map(\.isPrefix) }, [[true], [true], [true], [true], [false]])
    XCTAssertEqual(query.clauses.map(\.occur), [.should, .mustNot, .must, .should, .must])
    XCTAssertEqual(query.filters, [ParsedQuery.FilterGroup(filters: [.path("*.md")], negated: false)])
    let short = try ParsedQuery("a* 9* ** 芯片")
    XCTAssertEqual(
      short.notes,
      [
        "a* was searched as a word: a prefix needs two letters or digits, or one Chinese character",
        "9* was searched as a word: a prefix needs two letters or digits, or one Chinese character",
      ])
    XCTAssertFalse(short.clauses.contains { $0.alternatives.contains(where: \.isPrefix) })
  }

  /// A date the filter cannot read is no date: "tomorrow" sorts after every year as text,
  /// and fell inside any open range like date:2026.. .
  func testUnreadableDocumentDatesMatchNoRange() throws {
    func document(_ date: String?) -> PassageStore.StoredDocument { PassageStore.StoredDocument(path: "a.md", date: date) }
    let from2026 = try ParsedQuery.dateRange("2026..")
    let in2025 = try ParsedQuery.dateRange("2025")
    XCTAssertTrue(Filters.matches(from2026, document("2026-03-14")))
    XCTAssertFalse(Filters.matches(from2026, document("2025-03-14")))
    XCTAssertFalse(Filters.matches(from2026, document("tomorrow")))
    XCTAssertFalse(Filters.matches(in2025, document("March 2025")))
    XCTAssertFalse(Filters.matches(in2025, document(nil)))
    XCTAssertTrue(Filters.matches(in2025, document("2025-03")))
  }
}
