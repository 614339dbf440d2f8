import ATKAudio
import ATKKit

/// Writes pieces of one open input into output files: the seam between choosing the cuts and
/// making the files.
///
/// `SegmentCopier` copies WAV bytes or decodes through libsndfile; an MP3 source cut into MP3
/// pieces is copied frame by frame instead. A writer is made for one input and asked for its
/// pieces in increasing order; pieces never overlap but may leave gaps (keep-sound mode).
protocol PieceWriter: AnyObject {
  /// Writes the source's frames `frames` (positions in the source's decoded audio, end
  /// exclusive) into `output`, not yet committed, and returns the facts of the result.
  func write(_ frames: Range<Int64>, into output: OutputFile) throws(StageFailure) -> AudioFacts

  /// Whether the pieces hold exactly the source's frames `[start, end)`; false when the cut
  /// can only be exact to a coded frame (an MP3 without an encoder-delay tag).
  var isExact: Bool { get }

  /// How the pieces are made, for the `-v` note: "byte copy", "frame copy", "" (decode).
  var method: String { get }
}
