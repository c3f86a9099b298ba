import Foundation
import Testing

@testable import LessonCLI
@testable import LessonKit
@testable import Lessons

@Suite struct SeedListTests {
    @Test func parsesRangesAndLists() throws {
        #expect(try parseSeedList("5") == [5])
        #expect(try parseSeedList("1-5") == [1, 2, 3, 4, 5])
        #expect(try parseSeedList("7,1,3") == [1, 3, 7])
        #expect(try parseSeedList("1-3,8,2") == [1, 2, 3, 8])
        #expect(seedListText([1, 2, 3, 8, 10, 11]) == "1-3,8,10-11")
    }

    @Test func refusesMalformedLists() throws {
        for bad in ["", "a", "3-1", "1,,2", "-1", "1-", "0-5000", "1.5"] {
            let e = try #require(throws: LessonError.self) { try parseSeedList(bad) }
            #expect(e.status == 2 && e.description.contains("is not a seed list"), "\(bad): \(e)")
        }
    }

    @Test func seedAndSeedsTogetherIsAUsageError() {
        do {
            _ = try parseCommand(["3", "--seed", "1", "--seeds", "1-3"])
            Issue.record("expected a usage error")
        } catch {
            let r = report(for: error)
            #expect(r.status == 2 && r.error?.contains("not both") == true, "\(r)")
        }
    }
}
