import ATKKit
import Testing

/// The text of a tool's progress line.
@Suite struct ProgressMeterTests {
  @Test(arguments: [
    (1, 0, 0.5, "1 file"),
    (2, 0, 0.5, "2 files"),
    (12, 1, 3.5, "12 files, 1 failed, 3.4 files/s"),
    (1, 1, 1.0, "1 file, 1 failed, 1.0 files/s"),
    (0, 0, 2.0, "0 files, 0.0 files/s"),
    (1200, 3, 1.5, "1200 files, 3 failed, 800 files/s"),
    (9995, 0, 100.0, "9995 files, 100 files/s"),
  ])
  func textCountsFilesFailuresAndTheRate(
    files: Int, failed: Int, seconds: Double, text: String
  ) {
    #expect(ProgressMeter.text(files: files, failed: failed, seconds: seconds) == text)
  }
}
