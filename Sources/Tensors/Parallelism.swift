import Dispatch
import Foundation

/// Deterministic parallel loops over fixed chunks.
///
/// The rule every parallel kernel keeps: no output's arithmetic depends on the number of
/// threads. Each chunk is computed by one thread from start to end. Where chunks produce
/// partial sums that are combined (reductions, weight gradients), the chunk boundaries depend
/// only on the problem size and the partial sums are combined in chunk order afterwards.
/// Where every output element is computed entirely inside one chunk (a matrix product's
/// 4-row blocks), the boundaries may follow the thread count for balance — no element's
/// summation order changes with them. So the same inputs give bit-identical outputs for any
/// thread count — the property a reference oracle needs (DESIGN.md, "Numbers").
///
/// When to use threads is each kernel's own named threshold: ``isWorthParallelizing(multiplyAdds:)``
/// (2¹⁸ multiply-adds) for convolution images, pooling planes and a model call's row chunks;
/// `MatrixProduct.parallelThreshold` (2²⁰) for a matrix product's row blocks. Tests check
/// both sides of each.
///
/// The thread count is a task-local value: `Parallelism.$threadLimit.withValue(1) { … }`
/// runs a block single-threaded; tests and the CLI's `--threads` use it. Nested parallel
/// regions are not used: kernels parallelise at one level only.
public enum Parallelism {
    /// The most threads a parallel loop may use; `nil` means every active processor.
    @TaskLocal public static var threadLimit: Int? = nil

    /// The number of processors this process may run on.
    public static let processorCount: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// The number of threads parallel loops use in the current context.
    public static var threadCount: Int {
        max(1, min(threadLimit ?? processorCount, processorCount))
    }

    /// Runs `body(chunk)` for every `chunk` in `0..<chunkCount`, spread over up to
    /// ``threadCount`` threads. `body` must write only memory that belongs to its chunk.
    ///
    /// Worker `w` of `T` takes chunks `w, w + T, w + 2T, …`, so which thread runs a chunk
    /// varies with `T` but what a chunk computes does not.
    public static func forEachChunk(_ chunkCount: Int, _ body: (Int) -> Void) {
        let workers = min(threadCount, chunkCount)
        if workers <= 1 {
            for chunk in 0..<chunkCount { body(chunk) }
            return
        }
        // Each worker's share: chunks worker, worker + T, … (the same split on the pool and on Dispatch).
        func share(_ worker: Int) {
            var chunk = worker
            while chunk < chunkCount {
                body(chunk)
                chunk += workers
            }
        }
        // The pool's spinning threads start at once; Dispatch's may take tens of microseconds.
        if WorkerPool.shared.run(workers: workers, share) { return }
        // Dispatch wants a Sendable closure; `body` is not one, because kernels capture raw
        // pointers. The contract above (each chunk writes only its own memory) is what
        // makes sharing it safe, so it crosses the boundary in an unchecked box.
        withoutActuallyEscaping(share) { share in
            let shared = UncheckedSendable(share)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                // A kernel called from inside a chunk runs on this thread alone: no nesting.
                Parallelism.$threadLimit.withValue(1) { shared.value(worker) }
            }
        }
    }

    /// Runs `body` over the consecutive ranges of `chunkSize` that cover `0..<count` — spread
    /// over threads when `inParallel` is true, in order on this thread otherwise. The ranges
    /// are the same either way.
    public static func forEachRange(
        count: Int, chunkSize: Int, inParallel: Bool, _ body: (Range<Int>) -> Void
    ) {
        let chunks = chunkCount(count, chunkSize: chunkSize)
        if inParallel && chunks > 1 {
            forEachChunk(chunks) { chunk in body(range(ofChunk: chunk, chunkSize: chunkSize, count: count)) }
        } else {
            for chunk in 0..<chunks { body(range(ofChunk: chunk, chunkSize: chunkSize, count: count)) }
        }
    }

    /// Splits `0..<count` into consecutive ranges of `chunkSize` (the last may be shorter).
    public static func range(ofChunk chunk: Int, chunkSize: Int, count: Int) -> Range<Int> {
        let start = chunk * chunkSize
        return start ..< min(start + chunkSize, count)
    }

    /// The number of chunks of `chunkSize` that cover `count` items.
    public static func chunkCount(_ count: Int, chunkSize: Int) -> Int {
        count == 0 ? 0 : (count + chunkSize - 1) / chunkSize
    }

    /// The smallest work, in multiply-adds, that the coarse-chunked kernels spread over
    /// threads: 2¹⁸ (about a quarter of a million); below it thread wake-up costs more than it saves.
    public static let parallelThreshold = 1 << 18

    /// True when work of `multiplyAdds` multiply-adds is worth spreading over threads (more
    /// than one thread allowed and at least ``parallelThreshold``).
    public static func isWorthParallelizing(multiplyAdds: Int) -> Bool {
        threadCount > 1 && multiplyAdds >= parallelThreshold
    }
}

/// A value handed to other threads under a contract the compiler cannot check (see
/// ``Parallelism/forEachChunk(_:_:)``).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
