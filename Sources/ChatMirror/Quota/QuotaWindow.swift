import Foundation

/// A limit's window: rolling (any duration, exact to the second) or calendar (hour, day, ISO week, month in the site's timezone).
enum QuotaWindow: Sendable, Equatable, CustomStringConvertible {
    case rolling(seconds: Int)
    case calendar(Calendar.Component)

    /// Parses "15m", "3h", "24h", "7d", "90s" (rolling, at most 366 days) or "hour", "day", "week", "month" (calendar).
    init?(_ text: String) {
        let value = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch value {
        case "hour": self = .calendar(.hour)
        case "day": self = .calendar(.day)
        case "week": self = .calendar(.weekOfYear)
        case "month": self = .calendar(.month)
        default:
            guard let unit = value.last, let number = Int(value.dropLast()), number > 0 else { return nil }
            let multiplier: Int
            switch unit {
            case "s": multiplier = 1
            case "m": multiplier = 60
            case "h": multiplier = 3600
            case "d": multiplier = 86_400
            default: return nil
            }
            // The product is checked, not trapped on: "200000000000000d" is refused like any window over a year.
            let (seconds, overflow) = number.multipliedReportingOverflow(by: multiplier)
            guard !overflow, seconds <= Self.longestRollingSeconds else { return nil }
            self = .rolling(seconds: seconds)
        }
    }

    /// The longest rolling window: 366 days.
    static let longestRollingSeconds = 366 * 86_400

    var description: String {
        switch self {
        case .rolling(let seconds):
            if seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
            if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
            if seconds % 60 == 0 { return "\(seconds / 60)m" }
            return "\(seconds)s"
        case .calendar(let component):
            switch component {
            case .hour: return "hour"
            case .day: return "day"
            case .weekOfYear: return "week"
            default: return "month"
            }
        }
    }

    var kind: String {
        if case .rolling = self { return "rolling" }
        return "calendar"
    }

    /// The exclusive lower bound of the counted span at `now` (milliseconds): uses strictly after it count.
    /// Rolling: now − W (a use exactly W ago has left). Calendar: one millisecond before the current period began.
    func start(at now: Int, timeZone: TimeZone) -> Int {
        switch self {
        case .rolling(let seconds):
            return now - seconds * 1000
        case .calendar(let component):
            let calendar = Self.calendar(timeZone)
            let date = Date(timeIntervalSince1970: Double(now) / 1000)
            let interval = calendar.dateInterval(of: component, for: date)
            return Int((interval?.start.timeIntervalSince1970 ?? date.timeIntervalSince1970) * 1000) - 1
        }
    }

    /// When the current calendar period ends (milliseconds); nil for rolling windows.
    func periodEnd(at now: Int, timeZone: TimeZone) -> Int? {
        guard case .calendar(let component) = self else { return nil }
        let date = Date(timeIntervalSince1970: Double(now) / 1000)
        guard let interval = Self.calendar(timeZone).dateInterval(of: component, for: date) else { return nil }
        return Int(interval.end.timeIntervalSince1970 * 1000)
    }

    /// Rolling length in milliseconds (nil for calendar).
    var rollingMillis: Int? {
        if case .rolling(let seconds) = self { return seconds * 1000 }
        return nil
    }

    static func calendar(_ timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        return calendar
    }
}
