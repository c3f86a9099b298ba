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
        #expect(try parseSeedList("8,1-3") == [1, 2, 3, 8])
        #expect(seedListText([1, 2, 3, 8, 10, 11]) == "1-3,8,10-11")
    }

    @Test func refusesMalformedLists() throws {
        for bad in ["", "a", "3-1", "1,,2", "-1", "1-", "0-5000", "1.5"] {
            let e = try #require(throws: LessonError.self) { try parseSeedList(bad) }
            #expect(e.status == 2 && e.description.contains("is not a seed list"), "\(bad): \(e)")
        }
    }

    /// Issue 30: a seed named twice (`5-5,5`, `1-3,2`) was dropped without a word; it is refused, naming it.
    @Test func refusesASeedNamedTwice() throws {
        for (list, seed) in [("5-5,5", 5), ("1-3,8,2", 2), ("4,4", 4)] {
            let e = try #require(throws: LessonError.self) { try parseSeedList(list) }
            #expect(e.status == 2 && e.description.contains("names seed \(seed) twice"), "\(list): \(e)")
        }
    }

    /// Issue 30: the gnuplot time-out can be set, within 1–3600 s.
    @Test func renderTimeoutIsAnOption() throws {
        #expect(throws: Never.self) { _ = try parseCommand(["2", "--render-timeout", "30"]) }
        for bad in ["0", "abc", "4000"] {
            do {
                _ = try parseCommand(["2", "--render-timeout", bad])
                Issue.record("expected a usage error for \(bad)")
            } catch {
                let r = report(for: error)
                #expect(r.status == 2 && r.error?.contains("--render-timeout") == true, "\(r)")
            }
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
