import ATKRecords
import ArgumentParser

/// Rewrites a command line into the forms swift-argument-parser reads, as getopt would take it.
///
/// swift-argument-parser reads `-j 1` but not `-j1`, `-qj1` or `-oout`, and takes `-1` after an
/// option for another option. The normaliser walks the arguments with a table of each
/// command's options, read from the command's own definitions (its `_dumpHelp()` JSON and its
/// subcommands), and writes every option that takes a value as `--long=value`: attached
/// (`-j1`), in a bundle (`-qj1`, `-qj 1`) or apart (`-o dir`, `--min-last -1`), so that a value
/// starting with `-` stays a value. Bundles of flags (`-qv`), `--` and everything after it are
/// left alone. A negative number where the command takes a single positional (`atk-split -5`)
/// is moved after a `--` with the other positionals, so the command's own check can say what
/// is wrong with it. Arguments keep their bytes: a value is cut from its argument, never
/// decoded.
///
/// For a command whose default subcommand takes no positionals (atk-journal's tee), a first
/// positional that is not a subcommand is reported as an unknown subcommand.
struct ArgumentNormaliser {
  /// What one command accepts.
  struct Table {
    /// Long names (`--name`, and `-name` for single-dash ones) and whether each takes a value.
    var longs: [[UInt8]: Bool] = [:]
    var singleDashLongs: [[UInt8]: Bool] = [:]
    /// Short names, whether each takes a value, and its long name.
    var shorts: [UInt8: (takesValue: Bool, long: [UInt8]?)] = [:]
    /// How many positionals come before the first repeating one (`atk-split`'s SECONDS).
    var leadingSinglePositionals = 0
    /// Whether the command takes any positional.
    var takesPositionals = false
    private var repeatingSeen = false
    /// The subcommands, in the order of the help.
    var subcommands: [(name: [UInt8], table: Table)] = []
    /// The subcommand used when the first argument names none.
    var defaultSubcommand: [UInt8]?
    /// `help`: everything after it is left to the parser.
    var passThrough = false
    /// Whether the help lists the command (atk-journal's runner subcommands are left out).
    var isShown = true

    /// The table of `command` and its subcommands.
    init(_ command: any ParsableCommand.Type) {
      if case .object(let root) = try? JSONParser.parse(Array(command._dumpHelp().utf8)),
        let arguments = root["command"]?.objectValue?["arguments"]?.arrayValue
      {
        for argument in arguments.compactMap(\.objectValue) { add(argument) }
      }
      let configuration = command.configuration
      isShown = configuration.shouldDisplay
      for subcommand in configuration.subcommands {
        subcommands.append((Array(subcommand._commandName.utf8), Table(subcommand)))
      }
      if !subcommands.isEmpty {
        var help = Table()
        help.passThrough = true
        subcommands.append((Array("help".utf8), help))
      }
      defaultSubcommand = configuration.defaultSubcommand.map { Array($0._commandName.utf8) }
    }

    private init() {}

    private mutating func add(_ argument: [String: JSONValue]) {
      let kind = argument["kind"]?.stringValue
      if kind == "positional" {
        takesPositionals = true
        if argument["isRepeating"] == .bool(true) {
          repeatingSeen = true
        } else if !repeatingSeen {
          leadingSinglePositionals += 1
        }
        return
      }
      let takesValue = kind == "option"
      let names = (argument["names"]?.arrayValue ?? []).compactMap(\.objectValue).compactMap {
        name -> (String, [UInt8])? in
        guard let kind = name["kind"]?.stringValue, let text = name["name"]?.stringValue else {
          return nil
        }
        return (kind, Array(text.utf8))
      }
      let long = names.first { $0.0 == "long" }?.1
      for (kind, name) in names {
        switch kind {
        case "long": longs[name] = takesValue
        case "longWithSingleDash": singleDashLongs[name] = takesValue
        case "short" where name.count == 1: shorts[name[0]] = (takesValue, long)
        default: break
        }
      }
    }

    /// The subcommand named `name`, if any.
    func subcommand(_ name: [UInt8]) -> Table? {
      subcommands.first { $0.name == name }?.table
    }
  }

  /// A command line the normaliser refuses, with the message for the user.
  struct Refusal: Error {
    var message: String
  }

  let commandName: String
  let table: Table

  /// A normaliser for `command`'s options.
  init(_ command: any ParsableCommand.Type) {
    commandName = command._commandName
    table = Table(command)
  }

  /// The arguments (without the program name) in the forms the parser reads.
  ///
  /// - Throws: `Refusal` for a first positional that names no subcommand, where only a
  ///   subcommand can stand.
  func normalise(_ arguments: [[UInt8]]) throws(Refusal) -> [[UInt8]] {
    try normalise(arguments[...], table, parent: nil)
  }

  private func normalise(_ arguments: ArraySlice<[UInt8]>, _ table: Table, parent: Table?)
    throws(Refusal) -> [[UInt8]]
  {
    if table.passThrough { return Array(arguments) }
    if let first = arguments.first, let chosen = table.subcommand(first) {
      return try [first] + normalise(arguments.dropFirst(), chosen, parent: table)
    }
    if let name = table.defaultSubcommand, let chosen = table.subcommand(name) {
      return try leaf(arguments, chosen, choosingAmong: table)
    }
    return try leaf(arguments, table, choosingAmong: nil)
  }

  /// The arguments of one command; `choosingAmong` is the parent whose default it is.
  private func leaf(
    _ arguments: ArraySlice<[UInt8]>, _ table: Table, choosingAmong parent: Table?
  ) throws(Refusal) -> [[UInt8]] {
    var out: [[UInt8]] = []
    var positionals: [Int] = []  // indices in `out`
    var afterTerminator: ArraySlice<[UInt8]>?
    var moveNeeded = false
    var unknownSeen = false
    var i = arguments.startIndex

    /// Writes a value option: `--long=value`, or the short name and its value apart.
    func emit(short: UInt8, long: [UInt8]?, value: [UInt8]?) {
      guard let value else { return out.append([0x2D, short]) }
      if let long {
        out.append([0x2D, 0x2D] + long + [0x3D] + value)
      } else {
        out.append([0x2D, short])
        out.append(value)
      }
    }

    while i < arguments.endIndex {
      let argument = arguments[i]
      let next = i + 1 < arguments.endIndex ? arguments[i + 1] : nil
      i += 1
      if argument == [0x2D, 0x2D] {
        afterTerminator = arguments[i...]
        break
      }
      if argument.starts(with: [0x2D, 0x2D]) || table.singleDash(argument) != nil {
        let dashes = argument.starts(with: [0x2D, 0x2D]) ? 2 : 1
        let body = argument.dropFirst(dashes)
        let name = Array(body.prefix { $0 != 0x3D })
        let known = dashes == 2 ? table.longs[name] : table.singleDashLongs[name]
        if known == nil { unknownSeen = true }
        if known == true && name.count == body.count, let next {
          out.append(argument + [0x3D] + next)
          i += 1
        } else {
          out.append(argument)
        }
        continue
      }
      if argument.count > 1 && argument[0] == 0x2D {
        let body = argument.dropFirst()
        if Self.isNegativeNumber(argument)
          && !body.allSatisfy({ table.shorts[$0]?.takesValue == false })
          && positionals.count < table.leadingSinglePositionals
        {
          positionals.append(out.count)
          out.append(argument)
          moveNeeded = true
          continue
        }
        var flags: [UInt8] = []
        var rewritten = false
        for (offset, character) in body.enumerated() {
          guard let short = table.shorts[character] else {
            unknownSeen = true
            break
          }
          guard short.takesValue else {
            flags.append(character)
            continue
          }
          let attached = Array(body.dropFirst(offset + 1))
          var value: [UInt8]? = attached
          if attached.isEmpty {
            value = next
            if next != nil { i += 1 }
          }
          if !flags.isEmpty { out.append([0x2D] + flags) }
          emit(short: character, long: short.long, value: value)
          rewritten = true
          break
        }
        if !rewritten { out.append(argument) }
        continue
      }
      if let parent, !table.takesPositionals, positionals.isEmpty, !unknownSeen {
        throw refusal(naming: argument, among: parent)
      }
      positionals.append(out.count)
      out.append(argument)
    }

    guard moveNeeded else {
      return afterTerminator.map { out + [[0x2D, 0x2D]] + $0 } ?? out
    }
    let moved = Set(positionals)
    let options = out.indices.filter { !moved.contains($0) }.map { out[$0] }
    return options + [[0x2D, 0x2D]] + positionals.map { out[$0] } + (afterTerminator ?? [])
  }

  /// The refusal of `argument` where only a subcommand of `parent` can stand.
  private func refusal(naming argument: [UInt8], among parent: Table) -> Refusal {
    let name = String(decoding: argument, as: UTF8.self)
    if parent.subcommand(argument) != nil {
      return Refusal(
        message: "the subcommand '\(name)' goes first: \(commandName) \(name) [options]")
    }
    let names = parent.subcommands.filter(\.table.isShown)
      .map { String(decoding: $0.name, as: UTF8.self) }.filter { $0 != "help" }
    return Refusal(message: "unknown subcommand '\(name)' (\(names.joined(separator: ", ")))")
  }

  /// Whether `argument` reads as a negative number: `-` then a digit, or `-.` then a digit.
  static func isNegativeNumber(_ argument: [UInt8]) -> Bool {
    func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
    guard argument.count > 1, argument[0] == 0x2D else { return false }
    if isDigit(argument[1]) { return true }
    return argument.count > 2 && argument[1] == 0x2E && isDigit(argument[2])
  }
}

extension ArgumentNormaliser.Table {
  /// Whether `argument` is a single-dash long option (`-name` or `-name=value`) of this command.
  fileprivate func singleDash(_ argument: [UInt8]) -> Bool? {
    guard argument.count > 1, argument[0] == 0x2D, argument[1] != 0x2D else { return nil }
    return singleDashLongs[Array(argument.dropFirst().prefix { $0 != 0x3D })]
  }
}
