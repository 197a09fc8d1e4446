import Foundation

/// Wall-clock timing for benchmarks: repeat a block until enough time has passed, report
/// the median of the repetitions (robust to a stray slow run).
enum Timing {
    static let clock = ContinuousClock()

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// The median time of one run of `body`, repeated for at least `budget` seconds (and at
    /// least `minimumRuns` times), after one warm-up run.
    static func median(budget: Double, minimumRuns: Int = 3, _ body: () -> Void) -> Double {
        body()
        var samples: [Double] = []
        let start = clock.now
        while samples.count < minimumRuns || seconds(clock.now - start) < budget {
            let began = clock.now
            body()
            samples.append(seconds(clock.now - began))
        }
        samples.sort()
        return samples[samples.count / 2]
    }
}

/// Peak resident memory of this process (VmHWM, Linux), in bytes; nil elsewhere.
func peakResidentBytes() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let digits = line.split(separator: " ").compactMap { Int($0) }
        if let kilobytes = digits.first { return kilobytes * 1024 }
    }
    return nil
}
