import Foundation
import Synchronization

/// The threads ``Parallelism/forEachChunk(_:_:)`` hands chunks to: one fewer than the
/// processors (the calling thread is worker 0), kept spinning for a while after each job so
/// that the next one starts at once.
///
/// Why not Dispatch alone: a parked thread takes 20–40 µs to wake on the machines this was
/// measured on (a 2-core VM), as long as a whole path-batch matrix product (200×128×64 is about
/// 80 µs on one core), so two threads ran slower than one there. A worker that spins for up to
/// ``spinDuration`` after its last job sees the next one within a fraction of a microsecond;
/// after that it sleeps on a semaphore and costs nothing.
///
/// One job at a time: a second caller that finds the pool busy (tests run in parallel; the
/// pool's own chunks never nest, since they run single-threaded) gets Dispatch instead. Which
/// thread runs a chunk never changes what the chunk computes, so the bits are the same either way.
final class WorkerPool: @unchecked Sendable {
    /// The pool for this process: `processorCount − 1` threads, started on first use.
    static let shared = WorkerPool(threads: Parallelism.processorCount - 1)

    /// How long an idle worker spins before it sleeps.
    static let spinDuration: Duration = .microseconds(300)

    private let threads: Int
    /// Incremented once per job; workers wait for it to change.
    private let generation = Atomic<Int>(0)
    /// Workers that have not finished the current job.
    private let remaining = Atomic<Int>(0)
    /// Workers asleep on ``wake``.
    private let sleeping = Atomic<Int>(0)
    /// Whether a job holds the pool.
    private let inUse = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    /// The current job: worker w runs `job(w)` when w < `jobWorkers`. Written by the caller
    /// before ``generation`` is released, read by workers after they acquire it.
    nonisolated(unsafe) private var job: ((Int) -> Void)?
    nonisolated(unsafe) private var jobWorkers = 0

    private init(threads: Int) {
        self.threads = max(0, threads)
        for worker in 0..<self.threads {
            let thread = Thread { [unowned self] in self.serve(worker: worker + 1) }
            thread.name = "PathAttribution worker \(worker + 1)"
            thread.start()
        }
    }

    /// Runs `body(w)` for w in `0..<workers` — w = 0 on this thread, the others on the pool —
    /// and returns when all have finished; false (nothing run) when the pool is busy or too small.
    func run(workers: Int, _ body: (Int) -> Void) -> Bool {
        guard workers - 1 <= threads, inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        withoutActuallyEscaping(body) { body in
            job = body
            jobWorkers = workers
            remaining.store(threads, ordering: .relaxed)
            generation.add(1, ordering: .releasing)
            let sleepers = sleeping.load(ordering: .acquiring)
            for _ in 0..<sleepers { wake.signal() }
            Parallelism.$threadLimit.withValue(1) { body(0) }
            while remaining.load(ordering: .acquiring) > 0 {}
            job = nil
        }
        inUse.store(false, ordering: .releasing)
        return true
    }

    /// A worker's life: wait for a job (spinning, then sleeping), run its share, report done.
    private func serve(worker: Int) {
        var seen = 0
        let clock = ContinuousClock()
        while true {
            var idleSince = clock.now
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                guard spins & 1023 == 0, clock.now - idleSince > Self.spinDuration else { continue }
                sleeping.add(1, ordering: .releasing)
                if generation.load(ordering: .acquiring) == seen { wake.wait() }
                sleeping.subtract(1, ordering: .relaxed)
                idleSince = clock.now
            }
            seen = generation.load(ordering: .acquiring)
            if worker < jobWorkers, let job {
                Parallelism.$threadLimit.withValue(1) { job(worker) }
            }
            remaining.subtract(1, ordering: .releasing)
        }
    }
}
