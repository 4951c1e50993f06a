import AISearch
import ArgumentParser

#if canImport(Glibc)
  import Glibc
#endif

/// The root command: `aisearch QUERY` runs `search`, the default subcommand.
@main
struct AISearchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "aisearch",
    abstract: "Search Chinese/English text: ranked passages with file:line citations.",
    discussion: """
      Exit status: 0 results found, 1 no results, 2 usage or input error, 3 index error.
      The index is --index DIR, else $AISEARCH_INDEX, else ./index (built from ./seeds on first use).
      """,
    version: "0.1.0",
    subcommands: [SearchCommand.self, IndexCommand.self, CheckCommand.self, StatsCommand.self, EvalCommand.self],
    defaultSubcommand: SearchCommand.self)

  /// Parses, runs, and maps every outcome to an exit status in one place.
  static func main() {
    do {
      try QuickSearch.runIfApplicable()
      var command = try parseAsRoot()
      try command.run()
    } catch let exit as ExitCode {
      Glibc.exit(exit.rawValue)
    } catch let error as AISearchError {
      printError(error.message)
      Glibc.exit(ExitStatus.of(error))
    } catch {
      let code = exitCode(for: error)
      if code == .success {
        print(fullMessage(for: error))
        Glibc.exit(0)
      }
      // Argument errors: ArgumentParser's message already carries the usage line.
      let message = fullMessage(for: error)
      printError(message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message)
      Glibc.exit(ExitStatus.usage)
    }
  }
}
