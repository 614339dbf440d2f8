import ATKRecords

/// How a filter reads its input and runs its stage; the executables map flags onto it.
public struct DriverOptions: Sendable {
  /// The tool's name, for diagnostics.
  public var tool: String
  /// Files and folders named on the command line; when empty, records come from standard input.
  public var arguments: [RawPath] = []
  /// Read NUL-separated paths from standard input (`find -print0`).
  public var nulSeparated = false
  /// The longest input line accepted; a longer one fails as one bad record.
  public var maxRecordBytes = 1 << 20
  /// How many records are worked on at once; outputs keep the input order.
  public var jobs = 1
  /// Write each record as soon as it is ready.
  public var unbuffered = false
  /// Hide warnings.
  public var quiet = false
  /// Show notes.
  public var verbose = false
  /// Draw a progress line on standard error (see `ProgressMeter.isWanted`).
  public var progress = false
  /// Extensions (lowercase, no dot) taken from folders; nil (the default) takes every file.
  /// An audio tool gives `AudioFormat.walkExtensions` (ATKAudio).
  public var extensions: Set<String>?
  /// Take files and folders whose names start with `.` when walking folders.
  public var includeHidden = false
  /// Walk into atk's output folders too (see `OutputMarker`).
  public var includeOutputs = false

  public init(tool: String) { self.tool = tool }
}
