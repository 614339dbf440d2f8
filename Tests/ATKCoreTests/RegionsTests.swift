import ATKAnalysis
import ATKRecords
import Testing

@Suite struct RegionsTests {
  @Test func mergesOverlappingTouchingAndUnsortedRanges() {
    let regions = Regions([50..<60, 0..<10, 10..<20, 55..<70, 30..<30, 25..<28])
    #expect(regions.ranges == [0..<20, 25..<28, 50..<70])
    #expect(regions.totalFrames == 20 + 3 + 20)
  }

  @Test func complementIsTheRestOfTheExtent() {
    let regions = Regions([0..<10, 20..<30, 90..<120])
    #expect(regions.complement(within: 0..<100).ranges == [10..<20, 30..<90])
    #expect(Regions().complement(within: 0..<5).ranges == [0..<5])
    #expect(Regions([0..<5]).complement(within: 0..<5).isEmpty)
  }

  @Test func paddingClampsAndMergesSoPaddedRegionsNeverOverlap() {
    let regions = Regions([5..<10, 14..<20, 95..<99])
    #expect(regions.padded(by: 3, within: 0..<100).ranges == [2..<23, 92..<100])
    #expect(regions.shrunk(by: 3).ranges == [])
    #expect(Regions([0..<10]).shrunk(by: 2).ranges == [2..<8])
  }

  @Test func dropsShortRegionsAndClosesShortGaps() {
    let regions = Regions([0..<10, 12..<13, 20..<40])
    #expect(regions.removingShorter(than: 2).ranges == [0..<10, 20..<40])
    #expect(regions.closingGaps(shorterThan: 3).ranges == [0..<13, 20..<40])
    #expect(regions.closingGaps(shorterThan: 8).ranges == [0..<40])
  }

  @Test func recordFormRoundTripsAndRejectsBadPairs() throws {
    let regions = Regions([100..<200, 300..<450])
    #expect(Regions(json: regions.json) == regions)
    #expect(Regions(json: .array([.array([.int(5), .int(5)])])) == nil)
    #expect(Regions(json: .array([.array([.int(-1), .int(5)])])) == nil)
    #expect(Regions(json: .array([.array([.int(1)])])) == nil)
    #expect(Regions(json: .string("0-5")) == nil)
    let summary = regions.summary(totalFrames: 1000, sampleRate: 100)
    #expect(summary["count"] == .int(2))
    #expect(summary["total_seconds"] == .double(2.5))
    #expect(summary["ratio"] == .double(0.25))
  }
}
