import Foundation

/// Removes what looks like a credential from text an upstream sent (error bodies end up in alerts, account
/// status and, for refused requests, in front of users): API keys, bearer tokens, `key=value` secrets,
/// passwords in URLs, database URLs, and long opaque tokens.
enum SecretRedactor {
    private static let patterns: [(NSRegularExpression, String)] = [
        (#"(?i)\b(postgres(?:ql)?|mysql|mongodb(?:\+srv)?|redis|amqp)://[^\s"'<>]+"#, "$1://[redacted]"),
        (#"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@"'<>:]+:[^\s/@"'<>]+@"#, "$1[redacted]@"),
        (#"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"#, "Bearer [redacted]"),
        (#"(?i)\b(api[_-]?key|access[_-]?token|auth[_-]?token|token|secret|password|passwd|pwd)(["']?\s*[:=]\s*["']?)[^\s"',;&}]+"#, "$1$2[redacted]"),
        (#"\b(sk|pk|rk|ak)-[A-Za-z0-9_-]{8,}"#, "[redacted-key]"),
        (#"\b(xox[abp]|ghp|gho|github_pat|glpat|AKIA)[A-Za-z0-9_-]{8,}"#, "[redacted-key]"),
        (#"\b[A-Za-z0-9_-]{32,}\b"#, "[redacted]"),
    ].compactMap { pattern, template in
        (try? NSRegularExpression(pattern: pattern)).map { ($0, template) }
    }

    /// `text` without credentials, cut to `limit` characters.
    static func redact(_ text: String, limit: Int = 2000) -> String {
        var result = String(text.prefix(limit * 2))
        for (expression, template) in patterns {
            let range = NSRange(result.startIndex..., in: result)
            result = expression.stringByReplacingMatches(in: result, range: range, withTemplate: template)
        }
        return String(result.prefix(limit))
    }
}
