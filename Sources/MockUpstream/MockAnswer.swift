/// The answer text and how it is cut into pieces.
enum MockAnswer {
    /// The answer to `prompt` (fixed reply, echo, or a made-up sentence), cut into `chunkCount` pieces.
    static func pieces(for prompt: String, configuration: MockUpstreamConfiguration) -> [String] {
        let count = max(1, configuration.chunkCount)
        let text: String
        if let reply = configuration.reply {
            text = reply
        } else if configuration.echo {
            text = "Echo: " + prompt
        } else {
            let words = ["Mock", "answer", "to:", String(prompt.prefix(40))] + (0..<count).map { "word\($0)" }
            text = words.joined(separator: " ")
        }
        return split(text, into: count)
    }

    /// `text` cut into at most `count` pieces of about the same length (one piece when `count` <= 1).
    static func split(_ text: String, into count: Int) -> [String] {
        guard count > 1 else { return [text] }
        let characters = Array(text)
        let size = max(1, (characters.count + count - 1) / count)
        var pieces: [String] = []
        var index = 0
        while index < characters.count, pieces.count < count {
            let end = pieces.count == count - 1 ? characters.count : min(characters.count, index + size)
            pieces.append(String(characters[index..<end]))
            index = end
        }
        return pieces
    }

    /// A rough token count: a token per four bytes, at least one.
    static func tokens(_ text: String) -> Int { max(1, (text.utf8.count + 3) / 4) }
}
