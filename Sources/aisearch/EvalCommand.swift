import AISearch
import ArgumentParser

/// `aisearch eval QUERIES.jsonl [--index DIR]`: retrieval quality on judged queries.
struct EvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Score the index on judged queries (S@1, S@5, MRR@10, R@10 per kind).",
    discussion: """
      QUERIES.jsonl holds one {"id", "query", "kind", "evidence": [[string, ...], ...]} per
      line (the format of shared/eval). A hit is relevant when it contains every string of
      one evidence unit, compared after Unicode normalization without punctuation or spaces.
      Queries with no evidence (kind "no-answer") are counted by whether aisearch flagged
      them as having no confident answer.
      """)

  @Argument(help: "Judged queries, JSONL.")
  var queries: String

  @OptionGroup var indexOptions: IndexOptions

  @Flag(help: "Also print one line per query.")
  var perQuery = false

  func run() throws {
    let judged = try Evaluation.readQueries(queries)
    let searcher = try Searcher(index: IndexReader(directory: indexOptions.directory))
    let report = try Evaluation().run(judged, searcher: searcher)
    var out = ""
    if perQuery {
      for row in report.answerable {
        out += pad(row.query.id, 6) + " " + pad(row.query.kinds.joined(separator: ","), 14)
          + " first=" + pad(row.metrics.first.map(String.init) ?? "-", 4)
          + " R=" + Output.decimal(row.metrics.recall, 2) + " " + row.query.text + "\n"
      }
    }
    out += "\n" + pad("kind", 16) + " " + lpad("n", 4) + " " + ["S@1", "S@5", "MRR@10", "R@10"].map { lpad($0, 7) }.joined(separator: " ") + "\n"
    for group in report.byKind { out += row(group.kind, group.count, group.metrics) }
    if !report.answerable.isEmpty { out += row("OVERALL", report.answerable.count, report.overall) }
    if !report.noAnswer.isEmpty {
      let returned = report.noAnswer.filter { $0.hits > 0 }.count
      let flagged = report.noAnswer.filter(\.flagged).count
      out += "\nno-answer: \(report.noAnswer.count) queries, \(returned) returned >=1 hit, \(flagged) flagged as no confident answer\n"
    }
    Output.write(out)
    Output.flush()
  }

  private func row(_ name: String, _ count: Int, _ m: Evaluation.Metrics) -> String {
    pad(name, 16) + " " + lpad(String(count), 4) + " "
      + [m.successAt1, m.successAt5, m.reciprocalRank, m.recall].map { lpad(Output.decimal($0, 3), 7) }.joined(separator: " ") + "\n"
  }

  private func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }
  private func lpad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
}
