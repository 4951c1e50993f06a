/// Merges segments into one, at the level of postings: no passage is analyzed again.
///
/// The merged segment holds the live passages of the chosen segments, file by file in
/// `DocumentOrder` (the order a fresh build of the same files gives), so a merged index
/// answers exactly as one built in one go. Deleted passages are dropped here: this is
/// where tombstones disappear.
///
/// Merge policy (`plan`): when a commit leaves more than `IndexWriter.maxSegments` segments,
/// the smallest (by live passages) are merged into one, as few as brings the count back to
/// the limit, so large segments are rewritten rarely (a simple form of Lucene's
/// TieredMergePolicy); segments more than half deleted are rewritten too. A merge holds its
/// stored passages in memory (about `bytesPerToken` per token of its inputs), so it takes
/// no more input than `maxTokens` allows: segments flushed at the full RAM budget are
/// "maximum size" and left alone (Lucene's maxMergedSegmentMB), and the count may stay
/// above the limit until they are rewritten by a rebuild.
enum Merger {
  /// Memory a merge needs per token of its input (measured on the large tier: ~1 GB for
  /// five 26M-token segments, about 8 bytes a token).
  static let bytesPerToken = 8

  /// The segments to merge, by index, or [] when the manifest is within policy.
  static func plan(_ manifest: Manifest, maxSegments: Int, maxTokens: UInt64 = .max) -> [Int] {
    let live = manifest.segments.map { Int($0.passageCount) - $0.deleted.count }
    var chosen = Set(manifest.segments.indices.filter { manifest.segments[$0].deleted.count * 2 > Int(manifest.segments[$0].passageCount) })
    var tokens = chosen.reduce(UInt64(0)) { $0 + manifest.segments[$1].tokenCount }
    let bySize = manifest.segments.indices.sorted { live[$0] != live[$1] ? live[$0] < live[$1] : $0 < $1 }
    var i = 0
    while manifest.segments.count - max(chosen.count - 1, 0) > maxSegments && i < bySize.count {
      let candidate = bySize[i]
      i += 1
      if chosen.contains(candidate) { continue }
      if tokens + manifest.segments[candidate].tokenCount > maxTokens { break }
      chosen.insert(candidate)
      tokens += manifest.segments[candidate].tokenCount
    }
    return chosen.count >= 2 || chosen.contains(where: { !manifest.segments[$0].deleted.isEmpty }) ? chosen.sorted() : []
  }

  /// Merges the segments at `chosen` into a new segment `name` written to `directory`, and
  /// returns the manifest that uses it.
  static func merge(_ manifest: Manifest, segments chosen: [Int], directory: String, name: String) throws -> Manifest {
    let chosenSet = Set(chosen)
    var readers: [Int: SegmentReader] = [:]
    for s in chosen {
      readers[s] = try SegmentReader(directory: directory, segment: manifest.segments[s])
      // Damage must not be copied into a new segment with a fresh checksum.
      try readers[s]!.verifyChecksums()
    }

    // New passage ids, file by file in document order; stored records copied as they are.
    var docMaps: [Int: [Int32]] = [:]
    for s in chosen { docMaps[s] = [Int32](repeating: -1, count: readers[s]!.passageCount) }
    let store = try PassageStore.Writer(path: directory + "/" + name + ".passages")
    var documentCount = 0
    var tables = PassageTables()
    var result = manifest
    var movedFiles: [(index: Int, first: UInt32)] = []
    let moving = manifest.files.indices.filter {
      manifest.files[$0].passageCount > 0 && chosenSet.contains(manifest.files[$0].segment)
    }
    for f in DocumentOrder.sorted(moving.map { manifest.files[$0].path }).map({ moving[$0] }) {
      let file = manifest.files[f]
      let reader = readers[file.segment]!
      let first = UInt32(store.passageCount)
      var documentIndex: Int? = nil
      for id in Int(file.firstPassage)..<Int(file.firstPassage + file.passageCount) {
        var passage = try reader.store.passage(id)
        if documentIndex == nil {
          store.add(try reader.store.document(passage.document))
          documentIndex = documentCount
          documentCount += 1
        }
        passage.document = documentIndex!
        docMaps[file.segment]![id] = Int32(store.passageCount)
        try store.add(passage)
        tables.append(
          body: reader.lengths[id], title: reader.lengths.title(id), signature: reader.lengths.signature(id),
          listShare: reader.lengths.listShare(id))
      }
      movedFiles.append((f, first))
    }

    // Terms: a k-way merge of the sorted dictionaries; postings re-coded with the new ids.
    let dictionaries = try chosen.map { try readers[$0]!.terms.allTerms() }
    var positionsInTerm: [Int] = chosen.map { _ in 0 }
    var files = try SegmentFiles(directory: directory, name: name, tables: tables)
    while true {
      var smallest: [UInt8]? = nil
      for k in chosen.indices where positionsInTerm[k] < dictionaries[k].count {
        let term = dictionaries[k][positionsInTerm[k]].term
        if smallest == nil || term.lexicographicallyPrecedes(smallest!) { smallest = term }
      }
      guard let term = smallest else { break }
      var docs: [(UInt32, [Int32])] = []
      for (k, s) in chosen.enumerated() where positionsInTerm[k] < dictionaries[k].count {
        let reader = readers[s]!
        guard dictionaries[k][positionsInTerm[k]].term == term else { continue }
        positionsInTerm[k] += 1
        guard let cursor = try reader.cursor(term) else { continue }
        let map = docMaps[s]!
        while try cursor.next() {
          let newDoc = map[Int(cursor.doc)]
          if newDoc >= 0 { docs.append((UInt32(newDoc), try cursor.positions())) }
        }
      }
      if docs.isEmpty { continue }
      docs.sort { $0.0 < $1.0 }
      var encoder = PostingsEncoder()
      for (doc, positions) in docs { encoder.add(doc: doc, positions: positions) }
      try files.add(term: term, encoder)
    }
    let mergedPassages = store.passageCount
    _ = try store.finish()
    try files.finish()

    // The manifest: untouched segments keep their order, the merged one comes last.
    var newIndex: [Int: Int] = [:]
    result.segments = []
    for (s, segment) in manifest.segments.enumerated() where !chosenSet.contains(s) {
      newIndex[s] = result.segments.count
      result.segments.append(segment)
    }
    let mergedIndex = result.segments.count
    result.segments.append(
      Manifest.Segment(
        name: name, passageCount: UInt32(mergedPassages), tokenCount: tables.body.reduce(0) { $0 + UInt64($1) },
        titleTokenCount: tables.title.reduce(0) { $0 + UInt64($1) }, deleted: []))
    for i in result.files.indices where result.files[i].passageCount > 0 {
      if let mapped = newIndex[result.files[i].segment] { result.files[i].segment = mapped }
    }
    for (f, first) in movedFiles {
      result.files[f].segment = mergedIndex
      result.files[f].firstPassage = first
    }
    return result
  }
}
