import Foundation
import Hummingbird

/// Shared JSON coders: snake_case on the wire, ISO 8601 dates.
enum JSONCoding {
    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(ISOTime.string(date))
        }
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }

    static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    /// Turns a decoding failure into a message that names the field.
    static func describe(_ error: any Error, body: Data) -> AppError {
        guard let error = error as? DecodingError else {
            return AppError(.badRequest, "invalid_json", "the body is not valid JSON")
        }
        // The decoder says only "not valid JSON" for a number too large for an integer: find and name it.
        if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
           let parsed = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]),
           let field = outOfRangeNumber(in: parsed, path: "") {
            return .invalid("field '\(field)' is out of range")
        }
        func path(_ codingPath: [any CodingKey], _ key: (any CodingKey)? = nil) -> String {
            let keys = (codingPath + (key.map { [$0] } ?? [])).map { key -> String in
                if let index = key.intValue { return "[\(index)]" }
                return snake(key.stringValue)
            }
            return keys.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return .invalid("field '\(path(context.codingPath, key))' is required")
        case .typeMismatch(let type, let context):
            return .invalid("field '\(path(context.codingPath))' must be \(typeName(type))")
        case .valueNotFound(let type, let context):
            return .invalid("field '\(path(context.codingPath))' must be \(typeName(type)), not null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return AppError(.badRequest, "invalid_json", "the body is not valid JSON")
            }
            return .invalid("field '\(path(context.codingPath))' has an invalid value")
        @unknown default:
            return AppError(.badRequest, "invalid_json", "the body is not valid JSON")
        }
    }

    /// The path of the first number in a parsed body that no 64-bit integer can hold.
    private static func outOfRangeNumber(in value: Any, path: String) -> String? {
        firstPath(in: value, path: path) { leaf in
            guard let number = leaf as? NSNumber, !(leaf is String) else { return false }
            return !number.doubleValue.isFinite || abs(number.doubleValue) >= 9.2e18
        }
    }

    /// The path of the first string (or key) holding NUL, if the body has a `\u0000` escape at all.
    static func fieldHoldingNUL(in body: Data) -> String? {
        guard body.range(of: Data(#"\u0000"#.utf8)) != nil,
              let parsed = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) else { return nil }
        return firstPath(in: parsed, path: "", keyMatches: { $0.contains("\0") }) { ($0 as? String)?.contains("\0") == true }
    }

    /// Walks a parsed body (keys in order) for the first leaf, or key, that matches; its path as the API names fields.
    private static func firstPath(
        in value: Any, path: String, keyMatches: (String) -> Bool = { _ in false }, _ matches: (Any) -> Bool
    ) -> String? {
        switch value {
        case let object as [String: Any]:
            for key in object.keys.sorted() {
                let keyPath = path.isEmpty ? key : "\(path).\(key)"
                if keyMatches(key) { return keyPath }
                if let found = firstPath(in: object[key] as Any, path: keyPath, keyMatches: keyMatches, matches) { return found }
            }
        case let array as [Any]:
            for (index, element) in array.enumerated() {
                if let found = firstPath(in: element, path: "\(path)[\(index)]", keyMatches: keyMatches, matches) { return found }
            }
        default:
            if matches(value) { return path.isEmpty ? "body" : path }
        }
        return nil
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type: return "an integer"
        case is Double.Type: return "a number"
        case is Bool.Type: return "a boolean"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "of the expected type"
        }
    }

    private static func snake(_ name: String) -> String {
        var out = ""
        for character in name {
            if character.isUppercase {
                out += "_" + character.lowercased()
            } else {
                out.append(character)
            }
        }
        return out
    }
}

extension Request {
    /// Decodes a JSON body of at most `limit` bytes, mapping every failure to a clear 400/413/415.
    func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int) async throws -> T {
        let unsupported = AppError(.unsupportedMediaType, "unsupported_media_type",
                                   "send the body as application/json, with the header Content-Type: application/json")
        let declaredJSON = headers[.contentType].map(Self.isJSONMediaType)
        if declaredJSON == false { throw unsupported }
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: limit)
        } catch {
            throw AppError(.contentTooLarge, "payload_too_large", "the body is larger than \(limit) bytes")
        }
        guard buffer.readableBytes > 0 else {
            throw AppError(.badRequest, "invalid_json", "the body is empty; send a JSON object")
        }
        // A body without a Content-Type is not taken for JSON (a form or a text/plain body of a cross-site post).
        guard declaredJSON == true else { throw unsupported }
        let data = Data(buffer.readableBytesView)
        // The stores cut text at NUL (SQLite) or refuse it (PostgreSQL): no text field may hold one.
        if let field = JSONCoding.fieldHoldingNUL(in: data) {
            throw AppError.invalid("field '\(field)' must not contain the NUL character (\\u0000)")
        }
        do {
            return try JSONCoding.makeDecoder().decode(T.self, from: data)
        } catch {
            throw JSONCoding.describe(error, body: data)
        }
    }
}

extension Request {
    /// `application/json` or a `+json` type, with any parameters.
    static func isJSONMediaType(_ contentType: String) -> Bool {
        let type = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
    }
}

/// Builds JSON responses from `Encodable` values.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONCoding.makeEncoder().encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func noContent() -> Response { Response(status: .noContent) }
}

/// ISO 8601 formatting without the allocation of a formatter per call.
enum ISOTime {
    static func string(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon).timeZone(separator: .omitted))
    }

    static func string(millis: Int?) -> String? {
        millis.map { string(Date(timeIntervalSince1970: Double($0) / 1000)) }
    }
}
