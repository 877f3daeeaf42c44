import Foundation
import NIOCore

/// Monotonic nanoseconds.
@inline(__always) func nowNanoseconds() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

/// What one connection slot saw; touched only on its event loop, merged at the end.
final class SlotStats {
    var latencies: [UInt64] = []
    var completedInWindow = 0
    var ttfts: [UInt64] = []
    var gaps: [UInt64] = []
    var stalls = 0
    var streams = 0
    var tokens = 0
    var chunkMismatches = 0
    var errors = 0
    var errorSamples: [String] = []
    var gotFirstToken = false

    func error(_ text: String) {
        errors += 1
        if errorSamples.count < 3 { errorSamples.append(text) }
    }

    func merge(_ other: SlotStats) {
        latencies += other.latencies
        completedInWindow += other.completedInWindow
        ttfts += other.ttfts
        gaps += other.gaps
        stalls += other.stalls
        streams += other.streams
        tokens += other.tokens
        chunkMismatches += other.chunkMismatches
        errors += other.errors
        if errorSamples.count < 5 { errorSamples += other.errorSamples.prefix(5 - errorSamples.count) }
    }
}

/// Percentiles in microseconds (nearest rank).
func percentileMicros(_ sorted: [UInt64], _ fraction: Double) -> Double? {
    guard !sorted.isEmpty else { return nil }
    let rank = min(sorted.count - 1, max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))
    return Double(sorted[rank]) / 1000
}

/// CPU time (user + system) of processes, in seconds, from /proc/PID/stat.
func cpuSeconds(_ pids: [Int32]) -> Double {
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    var total = 0.0
    for pid in pids {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { continue }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime field 14, stime field 15 (1-based in proc(5)).
        if fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) {
            total += (user + system) / ticks
        }
    }
    return total
}

/// Resident set size of processes in KiB, from /proc/PID/status.
func rssKiB(_ pids: [Int32]) -> Int {
    var total = 0
    for pid in pids {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { continue }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            total += Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
    }
    return total
}
