/// The `error.code` of a failed record: why a tool failed it, stable, for programs.
///
/// Every code atk writes is a case here, and each is documented in the ERROR CODES section of
/// atk-record(5); a unit test checks the two against each other. The list only grows. Codes a
/// tool reads from upstream records pass through as they are (`Record.errorInfo`), whatever
/// they say.
public enum ErrorCode: String, CaseIterable, Sendable, CustomStringConvertible {
  /// The file or folder does not exist.
  case notFound = "not_found"
  /// It exists but cannot be opened or read (permission denied, an I/O error, a file that
  /// vanished while it was read).
  case unreadable = "unreadable"
  /// The file has zero bytes.
  case emptyFile = "empty_file"
  /// The file ends early: inside its header, or before the frames its header declares.
  case truncated = "truncated"
  /// The file is in a recognised format but damaged, or its audio does not match its MD5.
  case corrupt = "corrupt"
  /// The file is in no audio format atk reads, or is not a regular file at all.
  case notAudio = "not_audio"
  /// A recognised format that atk cannot read or write.
  case unsupportedFormat = "unsupported_format"
  /// An option cannot apply to this file (a segment shorter than one frame at its rate).
  case badOption = "bad_option"
  /// An input line that is not a usable record: not JSON, too long, no `path`, a path key that
  /// is not a string or holds a NUL byte, a `relpath` that leads out of the output folder.
  case badRecord = "bad_record"
  /// Decoding failed part way through the file.
  case readError = "read_error"
  /// An output could not be created, written or renamed into place.
  case cannotWrite = "cannot_write"
  /// An earlier input of the run wrote the same output path (or series of segment names).
  case outputCollision = "output_collision"
  /// The output would replace an input of the run.
  case outputIsSource = "output_is_source"
  /// The output's name is taken by a file the user may not write (without `--overwrite`).
  case outputReadOnly = "output_read_only"
  /// A symbolic link leads back into itself.
  case symlinkLoop = "symlink_loop"
  /// A symbolic link in a walked folder points to nothing.
  case danglingLink = "dangling_link"
  /// A folder met while walking cannot be listed.
  case unreadableFolder = "unreadable_folder"
  /// The tool was stopped by a signal while working on the record (reserved: today's tools
  /// write no record for an input they abandon).
  case interrupted = "interrupted"

  public var description: String { rawValue }
}

/// An error that fails a record: its `code` becomes `error.code`, its description
/// `error.message`.
public protocol RecordError: Error, CustomStringConvertible {
  /// The code of a record that failed this way.
  var code: ErrorCode { get }
}
