import Dispatch
import Foundation
import Synchronization

/// Work spread over every core with its order kept: the elements are cut into chunks, each
/// chunk is transformed on whichever core is free, and the results come back in the
/// elements' order. For work that is the same for each element and independent of the
/// others (reading export lines, checking signatures, simulating line items that never
/// compete for the same requests).
public enum ParallelMap {
    /// Elements per chunk unless told otherwise: enough to amortise per-chunk setup.
    public static let defaultChunk = 512

    /// The cores the work is spread over.
    public static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// `transform` applied to chunks of `elements` on every core; the results in order.
    public static func mapChunks<Element: Sendable, Result: Sendable>(
        _ elements: [Element], chunk: Int = defaultChunk, _ transform: @Sendable (ArraySlice<Element>) -> [Result]
    ) -> [Result] {
        let size = max(1, chunk)
        let chunks = (elements.count + size - 1) / size
        guard chunks > 1 else { return transform(elements[...]) }
        let results = Mutex<[[Result]]>(Array(repeating: [], count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { index in
            let mapped = transform(elements[(index * size)..<min(elements.count, (index + 1) * size)])
            results.withLock { $0[index] = mapped }
        }
        return results.withLock { $0.flatMap { $0 } }
    }

    /// `transform` applied to each element on every core; the results in order.
    public static func map<Element: Sendable, Result: Sendable>(
        _ elements: [Element], chunk: Int = defaultChunk, _ transform: @Sendable (Element) -> Result
    ) -> [Result] {
        mapChunks(elements, chunk: chunk) { $0.map(transform) }
    }
}
