import AISearch
import ArgumentParser

#if canImport(Glibc)
  import Glibc
#endif

/// `aisearch [search] QUERY` and `aisearch search --batch FILE`.
struct SearchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "search",
    abstract: "Print the passages that best match QUERY (the default command).",
    discussion: """
      Query syntax:
        word word            ranked; passages holding every word come first
        "exact phrase"       words side by side, in order (also “…”); required
        -word  -"phrase"     drop passages holding it (also NOT word)
        +word                required
        instal*              any indexed word beginning with it (the 16 most frequent)
        a OR b               either one (binds tighter than the space between words)
        a AND b              both required
        -(a OR b)            a sign or NOT before parentheses applies to each word inside
        title:word           in the document title, section heading or file name
        path:GLOB            file path matches (* ? [..]; without them: contains)
        tag:NAME             front matter tags
        date:2025-01..2025-12  front matter date in range (date:2025, date:2025-03.., date:..2025-06)
      Operators are upper case. Filters can be negated (-path:*.html) and joined with OR.
      Words are matched after Unicode normalization (full-width and case folded, Traditional
      Chinese folded to Simplified); Chinese words missing from ICU's dictionary match their
      characters side by side. Common words (the, 可以) count only in passages that also hold
      a rarer word of the query, unless they carry a quarter of its weight.
      """)

  // Unrecognized dashes are query syntax: `aisearch 华为 -910C` excludes 910C.
  @Argument(
    parsing: .allUnrecognized,
    help: "The query; several words may be given unquoted (-word excludes a word).")
  var words: [String] = []

  @OptionGroup var indexOptions: IndexOptions

  @Option(name: .customShort("k"), help: "Number of passages to print (1 to \(SearchCommand.maxLimit)).")
  var limit = 10

  /// The most hits a query returns. Collapsing copies compares each passage read with the
  /// hits before it, and every hit keeps probable copies beside it: on the large benchmark
  /// tier, `the` took 0.07 s for 100 hits, 1.7 s for 1,000 and 22 s for 3,000 (100,000 had
  /// not ended after 10 minutes). Elasticsearch caps a result window the same way.
  static let maxLimit = 1000

  @Option(help: "Output format: text, json or jsonl.")
  var format: OutputFormat = .text

  @Option(help: "Answer one query per line of FILE; prints JSONL hits with query_id (the line number) and query.")
  var batch: String?

  @Flag(help: "Show each hit's score parts: per-term BM25F, field weights, coverage, proximity.")
  var explain = false

  @Flag(help: "With --batch: print each query's latency on stderr (query_id, microseconds, passages scored, microseconds ranking, stored passages read; warm, in-process).")
  var timings = false

  // The peers' harnesses answer every query once before timing them, in the process that
  // times them. A new process's first queries also pay for starting ICU and mapping the
  // index's pages (large tier: the first query 12–13 ms, against 4 ms once warm).
  @Flag(help: "With --batch: answer every query once, unprinted, before answering them all again (a warm pass before --timings).")
  var warmUp = false

  @Option(help: "Threads a query runs on (default: 2, or 1 on a single core); the output is the same for any number.")
  var threads: Int?

  var query: String { words.joined(separator: " ") }

  func validate() throws {
    if let option = words.first(where: SearchCommand.looksLikeOption) {
      throw ValidationError("unknown option '\(option)' (to search for it, quote it: '\"\(option)\"')")
    }
    if batch == nil && query.allSatisfy(\.isWhitespace) {
      throw ValidationError("the query is empty")
    }
    if batch != nil && !words.isEmpty {
      throw ValidationError("give either a QUERY or --batch FILE, not both")
    }
    if limit < 1 || limit > SearchCommand.maxLimit { throw ValidationError("-k must be between 1 and \(SearchCommand.maxLimit)") }
    if timings && batch == nil { throw ValidationError("--timings needs --batch") }
    if warmUp && batch == nil { throw ValidationError("--warm-up needs --batch") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
  }

  /// `--word`: a mistyped long option, not a query (an exclusion has one dash).
  static func looksLikeOption(_ word: String) -> Bool {
    word.hasPrefix("--") && word.count > 2 && word.dropFirst(2).allSatisfy { $0.isASCII && ($0.isLetter || $0 == "-") }
  }

  func run() throws {
    if let batch {
      let searcher = try Searcher(index: SearchCommand.openIndex(indexOptions.directory, isDefault: indexOptions.isDefault))
      if let threads { searcher.threadCount = threads }
      try runBatch(batch, searcher)
      return
    }
    try SearchCommand.searchOnce(
      query, directory: indexOptions.directory, isDefault: indexOptions.isDefault, limit: limit, format: format,
      explain: explain, threads: threads)
  }

  /// Answers one query, prints it and ends the process (exit 0, or 1 without hits). The
  /// process ends here: unmapping dozens of segment files and freeing the searcher one
  /// object at a time would add a millisecond to every command-line search.
  static func searchOnce(
    _ query: String, directory: String, isDefault: Bool, limit: Int, format: OutputFormat, explain: Bool,
    threads: Int? = nil
  ) throws -> Never {
    let searcher = try Searcher(index: openIndex(directory, isDefault: isDefault))
    if let threads { searcher.threadCount = threads }
    let result = try searcher.search(query, k: limit, explain: explain)
    for note in result.notes { printError("note: " + note) }
    Output(format: format).print(result, query: query)
    fflush(stdout)
    Glibc.exit(result.hits.isEmpty ? ExitStatus.noResults : 0)
  }

  private func runBatch(_ path: String, _ searcher: Searcher) throws {
    guard let file = fopen(path, "r") else {
      throw AISearchError(.input, "cannot read batch file \(path): \(String(cString: strerror(errno)))", path: path)
    }
    defer { fclose(file) }
    var line: UnsafeMutablePointer<CChar>? = nil
    var capacity = 0
    defer { free(line) }
    func forEachQuery(_ body: (_ lineNumber: Int, _ query: String) throws -> Void) rethrows {
      var lineNumber = 0
      while case let length = getline(&line, &capacity, file), length >= 0, let line {
        lineNumber += 1
        // Decoded from the bytes getline read (a NUL does not end the line; invalid UTF-8
        // becomes U+FFFD), so the query parser sees what the line holds.
        let query = String(decoding: UnsafeRawBufferPointer(start: line, count: length), as: UTF8.self).trimmingWhitespace
        if !query.isEmpty { try body(lineNumber, query) }
      }
    }
    // Kept in memory for a second pass: the file may be a pipe.
    var warmedUp: [(lineNumber: Int, query: String)] = []
    if warmUp {
      forEachQuery { warmedUp.append(($0, $1)) }
      for (_, query) in warmedUp { _ = try? searcher.search(query, k: limit, explain: explain) }
    }
    var anyHits = false
    var anyMalformed = false
    func answer(_ lineNumber: Int, _ query: String) throws {
      let started = ContinuousClock.now
      let result: SearchResult
      do {
        result = try searcher.search(query, k: limit, explain: explain)
      } catch let error as AISearchError where ExitStatus.of(error) == ExitStatus.usage {
        // One malformed query (a date that is none) does not end the batch: it is named,
        // and the batch exits with the usage status once every query has run.
        printError("query \(lineNumber): " + error.message)
        anyMalformed = true
        return
      }
      for note in result.notes { printError("query \(lineNumber): note: " + note) }
      if timings {
        func micros(_ elapsed: Duration) -> Int64 {
          elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        }
        fputs(
          "\(lineNumber)\t\(micros(ContinuousClock.now - started))\t\(searcher.scoredPassages)\t"
            + "\(micros(searcher.rankingDuration))\t\(searcher.fetchedPassages)\n", stderr)
      }
      anyHits = anyHits || !result.hits.isEmpty
      let prefix = "\"query_id\":\(lineNumber),\"query\":\(JSON.string(query)),\"confident\":\(result.confident)"
      for hit in result.hits { Output.write(hit.json(prefix: prefix) + "\n") }
    }
    if warmUp {
      for (lineNumber, query) in warmedUp { try answer(lineNumber, query) }
    } else {
      try forEachQuery(answer)
    }
    Output.flush()
    if anyMalformed { throw ExitCode(ExitStatus.usage) }
    if !anyHits { throw ExitCode(ExitStatus.noResults) }
  }

  /// Opens the index; the default ./index is built from ./seeds when it does not exist yet.
  private static func openIndex(_ directory: String, isDefault: Bool) throws -> IndexReader {
    if isDefault && !IndexReader.exists(directory: directory),
      Corpus.isDirectory("seeds")
    {
      printError("no index in ./\(directory) yet; indexing ./seeds first")
      let summary = try IndexWriter(directory: directory).update(roots: ["seeds"])
      printError(IndexCommand.summaryLine(summary))
    }
    return try IndexReader(directory: directory)
  }
}
