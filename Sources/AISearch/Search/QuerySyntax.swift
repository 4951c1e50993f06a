/// The query language: what a user types, parsed into clauses and filters.
///
///     word word          ranked; passages holding every word come first
///     "exact phrase"     the words side by side, in order (also “…”); required
///     -word  -"phrase"   passages holding it are dropped (also NOT word, NOT "phrase")
///     +word              required
///     instal*            any indexed word that begins with it (the most frequent ones)
///     a OR b             either (OR binds tighter than the space between words)
///     a AND b            both required
///     -(a OR b)          a sign (or NOT) before parentheses applies to each item inside
///     title:word         the word in the document title, section heading or file name
///     path:GLOB          the file path matches (* ? [..]; without them: contains)
///     tag:NAME           front matter tags (tags:, tag:, keywords:, categories:)
///     date:2025-01..2025-12   front matter date in range (either end may be left out;
///                        date:2025 is all of 2025)
///
/// Operators are upper case (lower-case "or" is a word). Filters may be negated (-path:…)
/// and joined with OR (path:a OR path:b); different filters must all hold.
///
/// Parsing never fails on odd input: an unbalanced quote runs to the end of the query, a
/// lone operator or a stray "-" is dropped, control characters are spaces, and every such
/// repair is reported in `notes`. Only a filter whose value cannot mean anything (an
/// impossible date) is an error, since ignoring it would silently widen the results.
public struct ParsedQuery: Equatable, Sendable {
  public enum Occur: Equatable, Sendable {
    case should, must, mustNot
  }

  /// A word or a quoted phrase.
  public struct Item: Equatable, Sendable {
    public var text: String
    public var isPhrase: Bool
    /// Matched in the title field only (title:…).
    public var inTitle: Bool
    /// Any indexed word beginning with `text` (written `text*`).
    public var isPrefix = false
  }

  /// Items joined by OR; one of them must match when the clause is `must`.
  public struct Clause: Equatable, Sendable {
    public var alternatives: [Item]
    public var occur: Occur
  }

  public enum Filter: Equatable, Sendable {
    case path(String)
    case tag(String)
    /// Inclusive bounds compared as prefixes of an ISO date: 2025-01..2025-12.
    case date(from: String?, to: String?)

    /// The filter as a query writes it.
    public var text: String {
      switch self {
      case .path(let pattern): return "path:" + pattern
      case .tag(let name): return "tag:" + name
      case .date(let from, let to): return from == to ? "date:" + (from ?? "") : "date:\(from ?? "")..\(to ?? "")"
      }
    }
  }

  /// Filters joined by OR; `negated` drops what matches.
  public struct FilterGroup: Equatable, Sendable {
    public var filters: [Filter]
    public var negated: Bool
  }

  public var clauses: [Clause] = []
  public var filters: [FilterGroup] = []
  /// Repairs made to the query, one sentence each.
  public var notes: [String] = []

  /// Longest query handled; longer input is cut (a 10,000-character paste is not a query).
  public static let maxLength = 2_000

  public init(_ query: String) throws {
    var scalars = Array(query.unicodeScalars)
    if scalars.count > ParsedQuery.maxLength {
      scalars.removeSubrange(ParsedQuery.maxLength...)
      notes.append("the query was cut to its first \(ParsedQuery.maxLength) characters")
    }
    if scalars.contains(where: ParsedQuery.isControl) {
      scalars = scalars.map { ParsedQuery.isControl($0) ? " " : $0 }
      notes.append("control characters in the query were read as spaces")
    }
    let lexemes = try lex(scalars)
    build(lexemes)
  }

  // MARK: - Lexing

  private enum Lexeme {
    case item(Item, sign: Character?)
    case filter(Filter, negated: Bool)
    case or, and
  }

  private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    (scalar.value < 0x20 && scalar != "\t" && scalar != "\n") || (0x7F...0x9F).contains(scalar.value)
  }

  private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
    scalar.properties.isWhitespace
  }

  private static let openQuotes: [Unicode.Scalar] = ["\"", "\u{201C}", "\u{300C}"]
  private static let closeQuotes: [Unicode.Scalar] = ["\"", "\u{201D}", "\u{300D}"]
  private static let fields = ["title", "path", "tag", "date"]

  private mutating func lex(_ s: [Unicode.Scalar]) throws -> [Lexeme] {
    var lexemes: [Lexeme] = []
    // NOT reads as a "-" on the item or filter after it (Lucene, Xapian and SQLite FTS5
    // users write `a NOT b`).
    var negateNext = false
    // The sign of each open parenthesis (nil: none): what the items inside take when they
    // have none of their own.
    var groups: [Character?] = []
    var i = 0
    while i < s.count {
      if ParsedQuery.isSpace(s[i]) {
        i += 1
        continue
      }
      if s[i] == ")" {
        if !groups.isEmpty { groups.removeLast() }
        i += 1
        continue
      }
      var sign: Character? = nil
      if (s[i] == "-" || s[i] == "+"), i + 1 < s.count, !ParsedQuery.isSpace(s[i + 1]) {
        sign = Character(s[i])
        i += 1
      } else if s[i] == "-" || s[i] == "+" {
        notes.append("a lone \"\(s[i])\" was ignored")
        i += 1
        continue
      }
      if s[i] == "(" {
        if negateNext && sign == nil { sign = "-" }
        negateNext = false
        groups.append(sign ?? groups.last ?? nil)
        i += 1
        continue
      }
      var field: String? = nil
      if let colon = s[i...].prefix(while: { !ParsedQuery.isSpace($0) && $0 != ":" && !ParsedQuery.openQuotes.contains($0) })
        .indices.last.map({ $0 + 1 }), colon < s.count, s[colon] == ":"
      {
        let name = String(String.UnicodeScalarView(s[i..<colon])).lowercased()
        if ParsedQuery.fields.contains(name) {
          if colon + 1 < s.count && !ParsedQuery.isSpace(s[colon + 1]) {
            field = name
            i = colon + 1
          } else {
            notes.append("\(name): has no value after it, so it was searched as a word; write \(name):VALUE")
          }
        }
      }
      var value: String
      var quoted = false
      if ParsedQuery.openQuotes.contains(s[i]) {
        quoted = true
        var j = i + 1
        while j < s.count && !ParsedQuery.closeQuotes.contains(s[j]) { j += 1 }
        if j == s.count { notes.append("an unbalanced quote was closed at the end of the query") }
        value = String(String.UnicodeScalarView(s[(i + 1)..<j]))
        i = min(j + 1, s.count)
      } else {
        var j = i
        while j < s.count && !ParsedQuery.isSpace(s[j]) { j += 1 }
        // Closing parentheses end the word (f(x) keeps its own).
        var end = j
        var closing = 0
        while end > i && s[end - 1] == ")" && closing < groups.count {
          end -= 1
          closing += 1
        }
        value = String(String.UnicodeScalarView(s[i..<end]))
        i = end
      }
      // The enclosing parentheses' sign, for an item of no sign of its own.
      let groupSign = groups.last ?? nil
      if !quoted && sign == nil && field == nil && (value == "OR" || value == "AND" || value == "NOT") {
        if negateNext {
          notes.append("a lone NOT was ignored")
          negateNext = false
        }
        if value == "NOT" {
          negateNext = true
        } else {
          lexemes.append(value == "OR" ? .or : .and)
        }
        continue
      }
      if value.unicodeScalars.allSatisfy(ParsedQuery.isSpace) {
        if quoted { notes.append("an empty phrase was ignored") }
        if negateNext { notes.append("a lone NOT was ignored") }
        negateNext = false
        continue
      }
      if negateNext {
        negateNext = false
        if sign == nil {
          sign = "-"
        } else {
          notes.append("NOT before \(sign!)\(value) was ignored")
        }
      }
      if sign == nil { sign = groupSign }
      switch field {
      case "path":
        lexemes.append(.filter(.path(value), negated: sign == "-"))
      case "tag":
        lexemes.append(.filter(.tag(value), negated: sign == "-"))
      case "date":
        lexemes.append(.filter(try ParsedQuery.dateRange(value), negated: sign == "-"))
      default:
        var item = Item(text: value, isPhrase: quoted, inTitle: field == "title")
        if !quoted && value.hasSuffix("*") {
          var stem = value
          while stem.hasSuffix("*") { stem.removeLast() }
          if ParsedQuery.isPrefix(stem) {
            item.text = stem
            item.isPrefix = true
          } else if stem.unicodeScalars.contains(where: ParsedQuery.isLetterOrDigit) {
            notes.append("\(value) was searched as a word: a prefix needs two letters or digits, or one Chinese character")
          }
        }
        lexemes.append(.item(item, sign: field == "title" && sign == nil ? "+" : sign))
      }
    }
    if negateNext { notes.append("a lone NOT was ignored") }
    if !groups.isEmpty { notes.append("an unbalanced parenthesis was closed at the end of the query") }
    return lexemes
  }

  /// Whether `text*` may be a prefix query: two letters or digits, or a Han character
  /// (a one-letter prefix would stand for a large part of the dictionary).
  static func isPrefix(_ text: String) -> Bool {
    guard !text.contains("*") else { return false }
    let scalars = text.unicodeScalars.filter(isLetterOrDigit)
    return scalars.count >= 2 || scalars.contains { HanRun.isHan($0.value) }
  }

  private static func isLetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
    scalar.properties.isAlphabetic || scalar.properties.numericType != nil
  }

  /// date:2025, date:2025-01..2025-12, date:2025-03.., date:..2025-06-30. A month or day
  /// that no calendar has (2025-13, 2025-02-29) is an error, not a range that matches
  /// nothing.
  static func dateRange(_ value: String) throws -> Filter {
    func bound(_ text: Substring) throws -> String? {
      if text.isEmpty { return nil }
      // The same test a document's date passes to take part in date: filters.
      guard Metadata.isFilterableDate(String(text)) else {
        throw AISearchError(.input, "date:\(value) is not a date or range; write date:2025, date:2025-01..2025-06 or date:2025-03-01..")
      }
      return String(text)
    }
    guard let dots = value.firstRange(of: "..") else {
      let day = try bound(Substring(value))
      return .date(from: day, to: day)
    }
    let from = try bound(value[..<dots.lowerBound])
    let to = try bound(value[dots.upperBound...])
    if from == nil && to == nil {
      throw AISearchError(.input, "date:\(value) has no bounds; write date:2025-01..2025-06")
    }
    // Compared at their earliest and latest days: 2025..2025-03 holds days, 2025-04..2025-03
    // none.
    if let from, let to, from + String("-01-01".suffix(10 - from.count)) > to + String("-12-31".suffix(10 - to.count)) {
      throw AISearchError(.input, "date:\(value) is an empty range: \(from) comes after \(to)")
    }
    return .date(from: from, to: to)
  }

  // MARK: - Clauses

  private mutating func build(_ lexemes: [Lexeme]) {
    var pendingOr = false
    var pendingAnd = false
    // Whether the last lexeme added was an item (true) or a filter (false), for OR/AND.
    var lastWasItem: Bool? = nil
    for (n, lexeme) in lexemes.enumerated() {
      switch lexeme {
      case .or, .and:
        let isOr: Bool
        if case .or = lexeme { isOr = true } else { isOr = false }
        let hasNext = n + 1 < lexemes.count && { if case .item = lexemes[n + 1] { return true }; if case .filter = lexemes[n + 1] { return true }; return false }()
        if lastWasItem == nil || !hasNext || pendingOr || pendingAnd {
          notes.append("a lone \(isOr ? "OR" : "AND") was ignored")
          continue
        }
        if isOr { pendingOr = true } else { pendingAnd = true }
      case .item(let item, let sign):
        let occur: Occur = sign == "-" ? .mustNot : sign == "+" ? .must : .should
        if pendingOr, lastWasItem == true, occur != .mustNot, clauses[clauses.count - 1].occur != .mustNot {
          clauses[clauses.count - 1].alternatives.append(item)
          if occur == .must { clauses[clauses.count - 1].occur = .must }
        } else {
          // -(a OR b) drops what holds either: two exclusions, as written.
          let bothExcluded = occur == .mustNot && lastWasItem == true && clauses.last?.occur == .mustNot
          if pendingOr && !bothExcluded { notes.append("OR joins words or filters of one kind; it was read as a space") }
          var clause = Clause(alternatives: [item], occur: occur)
          if pendingAnd, lastWasItem == true {
            if clauses[clauses.count - 1].occur == .should { clauses[clauses.count - 1].occur = .must }
            if clause.occur == .should { clause.occur = .must }
          }
          // A phrase is required, as in every search engine that has them.
          if item.isPhrase && clause.occur == .should { clause.occur = .must }
          clauses.append(clause)
        }
        lastWasItem = true
      case .filter(let filter, let negated):
        if pendingOr, lastWasItem == false, filters[filters.count - 1].negated == negated {
          filters[filters.count - 1].filters.append(filter)
        } else {
          if pendingOr { notes.append("OR joins words or filters of one kind; it was read as a space") }
          filters.append(FilterGroup(filters: [filter], negated: negated))
        }
        lastWasItem = false
      }
      if case .or = lexeme { continue }
      if case .and = lexeme { continue }
      pendingOr = false
      pendingAnd = false
    }
  }

  /// True when the query has something to rank by (a word or phrase that is not excluded).
  public var hasPositiveItems: Bool {
    clauses.contains { $0.occur != .mustNot }
  }
}
