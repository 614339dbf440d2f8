import ATKAudio
import ArgumentParser

/// An audio format named on the command line: atk-convert's FORMAT, atk-split's `--format`.
///
/// Backed by `AudioFormat`, so it reads the same names (`wav`, `flac`, `mp3`, `ogg`, `opus`,
/// and `wave`, `oga`, `vorbis`, in any case), and its `allValueStrings` give the help its list
/// and the generated shell completions their words. A name it does not know is a usage error
/// that lists the formats.
public struct FormatArgument: ExpressibleByArgument, Sendable {
  /// The format named.
  public let format: AudioFormat

  /// The format `argument` names, or nil.
  public init?(argument: String) {
    guard let format = AudioFormat(name: argument) else { return nil }
    self.format = format
  }

  public static var allValueStrings: [String] { AudioFormat.allCases.map(\.rawValue) }

  public static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }

  public var defaultValueDescription: String { format.rawValue }
}
