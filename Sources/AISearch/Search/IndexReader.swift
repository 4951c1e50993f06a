/// A point-in-time view of an index: the manifest found at open and its segments, mapped.
///
/// A commit that lands after `open` is not seen by this reader; open a new one to see it.
public final class IndexReader {
  public let directory: String
  /// The commit's manifest without its file table (`Manifest.read(directory:)` has it).
  public let manifest: Manifest
  let segments: [SegmentReader]
  /// Live passages and their total tokens over all segments (BM25's N and avgdl).
  public let passageCount: Int
  /// Passages stored, deleted or not (idf's N, as the dictionaries' counts include deleted).
  let storedPassageCount: Int
  let tokenCount: UInt64
  let titleTokenCount: UInt64

  /// Opens the index in `directory`; `.noIndex` when it holds none.
  public init(directory: String) throws {
    self.directory = directory
    // A writer may delete the files of a superseded commit between our reading the manifest
    // and opening its segments; reading the (new) manifest again resolves that.
    var attempt = 0
    while true {
      guard let manifest = try Manifest.read(directory: directory, files: false) else {
        throw AISearchError(
          .noIndex, "no index in \(directory); build one with `aisearch index PATH... --index \(directory)`",
          path: directory)
      }
      if manifest.analyzerVersion != Analyzer.version {
        throw AISearchError.otherAnalyzer(directory)
      }
      do {
        segments = try manifest.segments.map { try SegmentReader(directory: directory, segment: $0) }
        self.manifest = manifest
        break
      } catch let error as AISearchError where attempt < 3 && (try? Manifest.read(directory: directory, files: false)) != manifest {
        _ = error
        attempt += 1
      }
    }
    passageCount = segments.reduce(0) { $0 + $1.livePassages }
    storedPassageCount = segments.reduce(0) { $0 + $1.passageCount }
    tokenCount = segments.reduce(0) { $0 + $1.liveTokens }
    titleTokenCount = segments.reduce(0) { $0 + $1.liveTitleTokens }
  }

  /// True when `directory` holds a committed index.
  public static func exists(directory: String) -> Bool {
    FileSystem.exists(directory + "/" + Manifest.fileName)
  }
}
