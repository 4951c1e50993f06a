/// What an index holds and what it costs on disk (`aisearch stats`).
public struct IndexStatistics: Sendable {
  public var files = 0
  public var passages = 0
  public var deletedPassages = 0
  /// Terms summed over segments (a term in two segments counts twice).
  public var terms = 0
  public var segments = 0
  public var generation: UInt64 = 0
  /// Bytes on disk per file kind: manifest, terms, postings, lengths, passages.
  public var bytes: [(kind: String, bytes: UInt64)] = []

  public static func collect(directory: String) throws -> IndexStatistics {
    let index = try IndexReader(directory: directory)
    var statistics = IndexStatistics()
    statistics.files = try Manifest.read(directory: directory)?.files.count ?? 0
    statistics.passages = index.passageCount
    statistics.deletedPassages = index.manifest.segments.reduce(0) { $0 + $1.deleted.count }
    statistics.terms = index.segments.reduce(0) { $0 + $1.terms.count }
    statistics.segments = index.segments.count
    statistics.generation = index.manifest.generation
    let manifestSize = FileSystem.status(directory + "/" + Manifest.fileName)?.size ?? 0
    statistics.bytes = [("manifest", manifestSize)]
    for kind in SegmentReader.extensions {
      let total = index.manifest.segments.reduce(UInt64(0)) {
        $0 + (FileSystem.status(directory + "/" + $1.name + "." + kind)?.size ?? 0)
      }
      statistics.bytes.append((kind, total))
    }
    return statistics
  }
}
