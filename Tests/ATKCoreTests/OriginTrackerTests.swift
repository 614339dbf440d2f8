import ATKRecords
import Testing

@testable import ATKJournal

private func parts(_ text: String) -> [Record.Part] {
  OriginTracker.part(fromKey: text)!
}

/// The completion rule, the part keys and the journal's record scanner.
@Suite struct OriginTrackerTests {
  @Test func wholeOriginRecordCoversEverything() {
    #expect(OriginTracker.covers([[]]))
    #expect(OriginTracker.covers([parts("1/2"), []]))
    #expect(!OriginTracker.covers([]))
  }

  @Test func flatSplitNeedsEverySibling() {
    #expect(!OriginTracker.covers([parts("1/3"), parts("3/3")]))
    #expect(OriginTracker.covers([parts("1/3"), parts("3/3"), parts("2/3")]))
  }

  @Test func mixedDepthsComplete() {
    // A failed piece at depth 1 next to a piece split again at depth 2.
    let leaves = [parts("1/2"), parts("2/2.1/3"), parts("2/2.3/3")]
    #expect(!OriginTracker.covers(leaves))
    #expect(OriginTracker.covers(leaves + [parts("2/2.2/3")]))
  }

  @Test func inconsistentCountsNeverComplete() {
    #expect(!OriginTracker.covers([parts("1/2"), parts("2/3")]))
    #expect(!OriginTracker.covers([parts("1/1"), parts("2/1")]))
  }

  @Test func trackerCompletesOnceAndForgets() {
    var tracker = OriginTracker()
    let origin = Array("a.wav".utf8)
    tracker.start(origin, stored: [])
    #expect(!tracker.add(origin, part: parts("2/2"), failed: false).complete)
    let outcome = tracker.add(origin, part: parts("1/2"), failed: true)
    #expect(outcome.complete)
    #expect(outcome.failed)
    #expect(!tracker.isTracking(origin))
    #expect(tracker.count == 0)
  }

  @Test func trackerResumesFromStoredParts() {
    var tracker = OriginTracker()
    let origin = Array("b.wav".utf8)
    tracker.start(origin, stored: [(parts("1/3"), false), (parts("2/3"), false)])
    #expect(tracker.add(origin, part: parts("3/3"), failed: false).complete)
  }

  @Test func newerSplitSupersedesOlderLeaves() {
    var tracker = OriginTracker()
    let origin = Array("c.wav".utf8)
    // An earlier run split into three and stored two pieces; this run splits into two.
    tracker.start(origin, stored: [(parts("1/3"), false), (parts("2/3"), false)])
    let first = tracker.add(origin, part: parts("1/2"), failed: false)
    #expect(Set(first.superseded) == [parts("1/3"), parts("2/3")])
    #expect(tracker.add(origin, part: parts("2/2"), failed: false).complete)
  }

  @Test func partKeysRoundTrip() {
    #expect(OriginTracker.key(for: []) == "")
    let nested = [Record.Part(index: 2, count: 3), Record.Part(index: 1, count: 4)]
    #expect(OriginTracker.key(for: nested) == "2/3.1/4")
    #expect(OriginTracker.part(fromKey: "2/3.1/4") == nested)
    #expect(OriginTracker.part(fromKey: "2/x") == nil)
  }

  @Test func scannerAgreesWithTheParser() throws {
    let lines = [
      #"{"origin":"a b.wav","path":"x","part":[{"index":2,"count":3}],"status":"ok"}"#,
      #"{"orig\u0069n":"\u00e9t\u00e9.wav","status":"failed","error":{"code":"c","message":"m"}}"#,
      #" { "dropped" : "silent" , "origin" : "q\"uote" , "tags":{"a":[1,2.5e3,-0,true,null]} } "#,
      #"{"origin":"\udcff\udc80raw","nested":[[[[{}]]]],"status":"\u0066ailed"}"#,
    ]
    for text in lines {
      let bytes = Array(text.utf8)
      let record = try Record(line: bytes)
      try bytes.withUnsafeBufferPointer { line in
        let fields = try RecordScanner.scan(line)
        #expect(fields.origin(in: line) == record.origin?.bytes)
        #expect(fields.isFailed(in: line) == record.isFailed)
        #expect(fields.isDropped(in: line) == record.isDropped)
        #expect(fields.part(in: line) == record.part)
        #expect(fields.errorInfo(in: line)?.code == record.errorInfo?.code)
        #expect(fields.errorInfo(in: line)?.message == record.errorInfo?.message)
      }
    }
  }

  @Test func scannerRejectsWhatTheParserRejects() {
    let bad = [
      "", "not json", "[1,2]", #"{"a":1"#, #"{"a":01}"#, #"{"a":"\x"}"#, #"{"a":1,}"#,
      #"{"a":1} x"#, "{\"a\":\"tab\there\"}", #"{"a":-}"#, #"{"a":1.}"#, #"{"a":tru}"#,
      String(repeating: "[", count: 600),
    ]
    for text in bad {
      let bytes = Array(text.utf8)
      let parsed = (try? Record(line: bytes)) != nil
      let scanned = bytes.withUnsafeBufferPointer { (try? RecordScanner.scan($0)) != nil }
      #expect(parsed == scanned, "\(text.prefix(40))")
      #expect(!scanned)
    }
  }
}
