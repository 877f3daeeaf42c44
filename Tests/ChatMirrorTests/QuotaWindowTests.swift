import Foundation
import Testing
@testable import ChatMirror

@Suite struct QuotaWindowTests {
    private func millis(_ text: String) -> Int {
        Int(ISO8601DateFormatter().date(from: text)!.timeIntervalSince1970 * 1000)
    }

    @Test func windowsParseAndPrint() {
        #expect(QuotaWindow("3h") == .rolling(seconds: 10_800))
        #expect(QuotaWindow("15m") == .rolling(seconds: 900))
        #expect(QuotaWindow("day") == .calendar(.day))
        #expect(QuotaWindow("week")?.description == "week")
        #expect(QuotaWindow("90s")?.description == "90s")
        for bad in ["", "h", "0h", "-3h", "3x", "400d", "fortnight"] { #expect(QuotaWindow(bad) == nil, "\(bad)") }
    }

    @Test func rollingWindowsCountExactlyTheLastWToTheSecond() {
        let window = QuotaWindow.rolling(seconds: 3 * 3600)
        let now = millis("2026-12-02T12:00:00Z")
        let start = window.start(at: now, timeZone: .gmt)
        #expect(start == millis("2026-12-02T09:00:00Z"))
        let exactlyThreeHoursAgo = millis("2026-12-02T09:00:00Z")
        let oneSecondLater = millis("2026-12-02T09:00:01Z")
        #expect(!(exactlyThreeHoursAgo > start))
        #expect(oneSecondLater > start)
        #expect(window.periodEnd(at: now, timeZone: .gmt) == nil)
    }

    @Test func calendarHourDayWeekAndMonthFollowTheSiteTimezone() throws {
        let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let now = millis("2026-12-02T17:30:00Z")  // 01:30 on Dec 3 in Shanghai
        #expect(QuotaWindow.calendar(.hour).start(at: now, timeZone: shanghai) == millis("2026-12-02T17:00:00Z") - 1)
        #expect(QuotaWindow.calendar(.day).start(at: now, timeZone: shanghai) == millis("2026-12-02T16:00:00Z") - 1)
        #expect(QuotaWindow.calendar(.day).periodEnd(at: now, timeZone: shanghai) == millis("2026-12-03T16:00:00Z"))
        #expect(QuotaWindow.calendar(.day).start(at: now, timeZone: .gmt) == millis("2026-12-02T00:00:00Z") - 1)
        // ISO weeks start on Monday: Thursday Dec 3 2026 (Shanghai) belongs to the week of Monday Nov 30.
        #expect(QuotaWindow.calendar(.weekOfYear).start(at: now, timeZone: shanghai) == millis("2026-11-29T16:00:00Z") - 1)
        #expect(QuotaWindow.calendar(.month).start(at: now, timeZone: shanghai) == millis("2026-11-30T16:00:00Z") - 1)
        let endOfFebruary = millis("2028-02-29T12:00:00Z")
        #expect(QuotaWindow.calendar(.month).periodEnd(at: endOfFebruary, timeZone: .gmt) == millis("2028-03-01T00:00:00Z"))
        let newYearsEve = millis("2026-12-31T23:59:59Z")
        #expect(QuotaWindow.calendar(.month).periodEnd(at: newYearsEve, timeZone: .gmt) == millis("2027-01-01T00:00:00Z"))
    }

    @Test func aDayAcrossADSTChangeIs23Or25Hours() throws {
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        let springForward = millis("2026-03-08T12:00:00Z")
        let start = QuotaWindow.calendar(.day).start(at: springForward, timeZone: newYork) + 1
        let end = try #require(QuotaWindow.calendar(.day).periodEnd(at: springForward, timeZone: newYork))
        #expect(end - start == 23 * 3_600_000)
        let fallBack = millis("2026-11-01T12:00:00Z")
        let fallStart = QuotaWindow.calendar(.day).start(at: fallBack, timeZone: newYork) + 1
        let fallEnd = try #require(QuotaWindow.calendar(.day).periodEnd(at: fallBack, timeZone: newYork))
        #expect(fallEnd - fallStart == 25 * 3_600_000)
        #expect(QuotaWindow.calendar(.hour).periodEnd(at: fallBack, timeZone: newYork)! - QuotaWindow.calendar(.hour).start(at: fallBack, timeZone: newYork) - 1 == 3_600_000)
    }

    @Test func modelPatternsAndWeights() throws {
        #expect(Glob.matches("o1*", "o1-preview"))
        #expect(Glob.matches("*mini", "gpt-4o-mini"))
        #expect(Glob.matches("gpt-*-mini", "gpt-4o-mini"))
        #expect(!Glob.matches("o1*", "gpt-4o"))
        #expect(Glob.matches("GPT-4O", "gpt-4o"))
        let row = QuotaLimitRow(id: 1, scope: "plan", scopeId: 1, windowSpec: "3h", maxRequests: 40, maxTokens: nil,
                                modelPattern: nil, modelWeights: #"{"o1*":5,"o1-mini":2}"#, position: 0)
        let limit = try #require(QuotaLimit(row))
        #expect(limit.weight(for: "o1-preview") == 5)
        #expect(limit.weight(for: "o1-mini") == 2)
        #expect(limit.weight(for: "gpt-4o") == 1)
    }
}
