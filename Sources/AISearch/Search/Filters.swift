#if canImport(Glibc)
  import Glibc
#endif

/// The passages of a segment that pass a query's path:, tag: and date: filters.
///
/// Filters are about documents, so they are decided once per document and spread over the
/// document's passage range (`PassageStore.Reader.passageRange`), never per passage.
enum Filters {
  /// One flag per passage of `segment`; nil when the query has no filters (all pass).
  static func allowed(_ groups: [ParsedQuery.FilterGroup], in segment: SegmentReader) throws -> [Bool]? {
    guard !groups.isEmpty else { return nil }
    var allowed = [Bool](repeating: false, count: segment.passageCount)
    try segment.store.documents { d, document in
      if groups.allSatisfy({ passes($0, document) }) {
        for p in try segment.store.passageRange(ofDocument: d) { allowed[p] = true }
      }
      return true
    }
    return allowed
  }

  /// Whether a document of `segment` passes `group`.
  static func anyDocument(passes group: ParsedQuery.FilterGroup, in segment: SegmentReader) throws -> Bool {
    var found = false
    try segment.store.documents { _, document in
      found = passes(group, document)
      return !found
    }
    return found
  }

  /// Whether `document` passes `group`: matches one of its filters, or, negated, none.
  static func passes(_ group: ParsedQuery.FilterGroup, _ document: PassageStore.StoredDocument) -> Bool {
    group.filters.contains { matches($0, document) } != group.negated
  }

  static func matches(_ filter: ParsedQuery.Filter, _ document: PassageStore.StoredDocument) -> Bool {
    switch filter {
    case .path(let pattern):
      return pathMatches(pattern, document.path)
    case .tag(let name):
      let wanted = name.lowercased()
      return document.tags.contains { $0.lowercased() == wanted }
    case .date(let from, let to):
      guard let date = document.date, Metadata.isFilterableDate(date) else { return false }
      if let from, date.prefix(from.count) < from { return false }
      if let to, date.prefix(to.count) > to { return false }
      return true
    }
  }

  /// A pattern with glob characters (* ? [) matches the whole path or any part of it that
  /// starts after a "/" (so path:*.md and path:docs/* both work; * crosses "/"); a plain
  /// pattern matches paths that contain it.
  static func pathMatches(_ pattern: String, _ path: String) -> Bool {
    guard pattern.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) else {
      return path.contains(pattern)
    }
    if fnmatch(pattern, path, 0) == 0 { return true }
    var rest = Substring(path)
    while let slash = rest.firstIndex(of: "/") {
      rest = rest[rest.index(after: slash)...]
      if fnmatch(pattern, String(rest), 0) == 0 { return true }
    }
    return false
  }
}
