import NIOCore

/// Splits a byte stream into SSE fields without copying whole bodies; yields each complete `data:` payload.
struct SSELineParser {
    private var pending: [UInt8] = []
    private var event: String?

    /// One parsed SSE item.
    enum Item: Equatable {
        case data(event: String?, payload: [UInt8])
    }

    /// Feeds bytes, returning complete `data:` lines (a payload per line; OpenAI never splits one across lines).
    mutating func feed(_ buffer: ByteBuffer) -> [Item] {
        var items: [Item] = []
        let view = buffer.readableBytesView
        var start = view.startIndex
        var index = view.startIndex
        while index < view.endIndex {
            if view[index] == 0x0A {
                if pending.isEmpty {
                    handle(line: Array(view[start..<index]), into: &items)
                } else {
                    pending.append(contentsOf: view[start..<index])
                    let line = pending
                    pending.removeAll(keepingCapacity: true)
                    handle(line: line, into: &items)
                }
                start = view.index(after: index)
            }
            index = view.index(after: index)
        }
        if start < view.endIndex { pending.append(contentsOf: view[start..<view.endIndex]) }
        if pending.count > 4 << 20 { pending.removeAll() }
        return items
    }

    private mutating func handle(line rawLine: [UInt8], into items: inout [Item]) {
        var line = rawLine[...]
        if line.last == 0x0D { line = line.dropLast() }
        if line.isEmpty {
            event = nil
            return
        }
        if line.starts(with: Array("data:".utf8)) {
            var payload = line.dropFirst(5)
            if payload.first == 0x20 { payload = payload.dropFirst() }
            items.append(.data(event: event, payload: Array(payload)))
        } else if line.starts(with: Array("event:".utf8)) {
            var name = line.dropFirst(6)
            if name.first == 0x20 { name = name.dropFirst() }
            event = String(decoding: name, as: UTF8.self)
        }
    }
}
