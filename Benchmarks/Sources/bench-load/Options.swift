import Foundation

/// Command-line options of bench-load (see `usage`).
struct Options {
    var mode = "request"
    var urls: [String] = []
    var method = "POST"
    var headers: [(String, String)] = []
    var body = ""
    var connections = 1
    var duration = 5.0
    var warmup = 1.0
    var intervalMs = 0.0
    var expectChunks = 0
    var pids: [Int32] = []
    var rampPerSecond = 2000.0
    var threads = 1
    var label = ""
    var grace = 30.0

    static let usage = """
        bench-load MODE [options]   (MODE: request | stream | idle)
          request  keep-alive connections that send the request again as soon as the answer is complete;
                   times each whole answer (latency, requests/s).
          stream   the same with SSE answers; times each chunk on arrival (time to first token, gaps between
                   chunks, stalls, chunk counts).
          idle     opens --connections streams (ramped), holds them for --duration, then closes them; counts
                   errors and stalls and reads the RSS of --pid while they are open.
        --url URL              target (repeatable: connections are spread over the URLs round-robin)
        --method M             HTTP method (POST)
        --header 'Name: v'     extra request header (repeatable)
        --body S | --body-file P   request body
        --connections N        concurrent connections (1)
        --duration S           measured seconds (5)
        --warmup S             seconds before measuring (1)
        --interval-ms MS       expected gap between chunks; a gap over twice this is a stall
        --expect-chunks N      content chunks each stream should carry (0: do not check)
        --pid P[,P...]         processes whose CPU time (/proc/P/stat) and RSS are sampled
        --ramp-per-second N    idle mode: new connections per second (2000)
        --threads N            event-loop threads (1)
        --grace S              seconds to let answers in flight finish after the window (30)
        --label S              copied into the JSON result
        Prints one JSON object.
        """

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var rest = arguments[...]
        guard let mode = rest.popFirst(), ["request", "stream", "idle"].contains(mode) else { throw UsageError() }
        options.mode = mode
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw UsageError() }
            switch flag {
            case "--url": options.urls.append(value)
            case "--method": options.method = value
            case "--header":
                guard let colon = value.firstIndex(of: ":") else { throw UsageError() }
                options.headers.append((String(value[..<colon]), value[value.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            case "--body": options.body = value
            case "--body-file": options.body = try String(contentsOfFile: value, encoding: .utf8)
            case "--connections": options.connections = try int(value)
            case "--duration": options.duration = try double(value)
            case "--warmup": options.warmup = try double(value)
            case "--interval-ms": options.intervalMs = try double(value)
            case "--expect-chunks": options.expectChunks = try int(value)
            case "--pid": options.pids = value.split(separator: ",").compactMap { Int32($0) }
            case "--ramp-per-second": options.rampPerSecond = try double(value)
            case "--threads": options.threads = try int(value)
            case "--grace": options.grace = try double(value)
            case "--label": options.label = value
            default: throw UsageError()
            }
        }
        if options.urls.isEmpty || options.connections < 1 || options.threads < 1 { throw UsageError() }
        return options
    }

    private static func int(_ text: String) throws -> Int {
        guard let value = Int(text) else { throw UsageError() }
        return value
    }

    private static func double(_ text: String) throws -> Double {
        guard let value = Double(text) else { throw UsageError() }
        return value
    }
}

/// A malformed command line.
struct UsageError: Error {}

/// Where one connection goes.
struct Target {
    let host: String
    let port: Int
    let path: String

    init?(_ text: String) {
        guard let url = URL(string: text), let host = url.host, url.scheme == "http" else { return nil }
        self.host = host
        self.port = url.port ?? 80
        var path = url.path.isEmpty ? "/" : url.path
        if let query = url.query { path += "?" + query }
        self.path = path
    }
}
