import Foundation
import Synchronization

/// An answer under way on one account, after failover: the path reads its chunks (`next` or `drain`) and ends it
/// once with `finish`, which releases the account, records the outcome on it, settles or refunds the quota and
/// writes the ledger row. Read by one task at a time.
final class ActiveCall: @unchecked Sendable {
    let engine: UpstreamCallEngine
    let admission: Admission
    let account: UpstreamAccount
    private let reservation: QuotaReservation
    private let reader: any UpstreamChunkReader
    private var buffered: [UpstreamChunk] = []
    private var readerEnded = false
    /// Everything the answer said so far.
    private(set) var answer = AnswerAccumulator()
    /// When the first chunk a client sees arrived.
    private(set) var firstEventAt: Int?
    private let finished = Mutex<CallOutcome?>(nil)

    init(engine: UpstreamCallEngine, admission: Admission, account: UpstreamAccount, reservation: QuotaReservation,
         reader: any UpstreamChunkReader) {
        self.engine = engine
        self.admission = admission
        self.account = account
        self.reservation = reservation
        self.reader = reader
    }

    /// Reads ahead until a chunk a client would see (kept for `next`), or the end of an empty answer.
    func readUntilVisible() async throws {
        while let chunk = try await read() {
            buffered.append(chunk)
            if chunk.isVisible { return }
        }
    }

    /// The next chunk (tool calls numbered from 0); nil when the upstream finished the answer.
    func next() async throws -> UpstreamChunk? {
        if !buffered.isEmpty { return buffered.removeFirst() }
        return try await read()
    }

    private func read() async throws -> UpstreamChunk? {
        guard !readerEnded else { return nil }
        guard let chunk = try await reader.next() else {
            readerEnded = true
            return nil
        }
        let numbered = answer.absorb(chunk)
        if firstEventAt == nil, numbered.isVisible { firstEventAt = engine.clock.nowMillis() }
        return numbered
    }

    /// What a drain passes on.
    private enum Item: Sendable {
        case chunk(UpstreamChunk)
        case end(CallEnding)
    }

    /// Reads the answer to its end, giving each chunk to `onChunk`, and says how it ended: completed, failed,
    /// stopped by `stop` (the reason it returns), by the time limit (`timeout`), or because `onChunk` threw
    /// (the client went away: `cancelled`). The upstream call is cancelled on every stop.
    func drain(maxDuration: Duration, stop: (@Sendable () async -> StopReason)? = nil,
               onChunk: (UpstreamChunk) async throws -> Void) async -> CallEnding {
        let (items, continuation) = AsyncStream<Item>.makeStream()
        return await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    while let chunk = try await self.next() { continuation.yield(.chunk(chunk)) }
                    continuation.yield(.end(.completed))
                } catch let failure as UpstreamFailure {
                    continuation.yield(.end(.failed(failure)))
                } catch {
                    continuation.yield(.end(.stopped(.cancelled)))
                }
            }
            group.addTask {
                await Sleep.for(maxDuration)
                if !Task.isCancelled { continuation.yield(.end(.stopped(.timeout))) }
            }
            if let stop {
                group.addTask {
                    let reason = await stop()
                    if !Task.isCancelled { continuation.yield(.end(.stopped(reason))) }
                }
            }
            var ending = CallEnding.stopped(.cancelled)
            loop: for await item in items {
                switch item {
                case .chunk(let chunk):
                    do { try await onChunk(chunk) } catch { break loop }
                case .end(let end):
                    ending = end
                    break loop
                }
            }
            group.cancelAll()
            continuation.finish()
            return ending
        }
    }

    /// Ends the call (once; later calls return the first outcome): releases the account, records the outcome on
    /// it (a stop is neither a success nor a failure of the account), settles or refunds, writes the ledger row.
    @discardableResult
    func finish(_ ending: CallEnding) async -> CallOutcome {
        let outcome = CallOutcome(
            ending: ending, finishReason: answer.finishReason, producedOutput: answer.producedOutput, reported: answer.usage,
            promptEstimate: admission.context.promptEstimate, outputEstimate: Self.outputEstimate(answer))
        let first = finished.withLock { state -> CallOutcome? in
            if let state { return state }
            state = outcome
            return nil
        }
        if let first { return first }
        engine.pool.release(account.id)
        switch ending {
        case .completed: await engine.pool.record(nil, on: account)
        case .failed(let failure): await engine.pool.record(failure, on: account, model: admission.context.model)
        case .stopped, .refused: break
        }
        await engine.conclude(admission, outcome: outcome, accountId: account.id, reservation: reservation, firstEventAt: firstEventAt)
        return outcome
    }

    /// Tokens the answer is estimated at when the upstream reports none: its text, thinking, tool calls, refusal.
    static func outputEstimate(_ answer: AnswerAccumulator) -> Int {
        var text = answer.content + answer.reasoning + (answer.refusal ?? "")
        for call in answer.toolCalls { text += call.name + call.arguments }
        return TurnPlanner.estimateTokens(text)
    }
}
