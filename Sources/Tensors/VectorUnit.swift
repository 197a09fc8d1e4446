import Foundation

/// The vector unit the kernels are shaped for: how many `Double`s one register holds.
///
/// A register-blocked kernel is fast when its accumulators, the operands it loads and its
/// broadcasts fit the machine's registers at once. An 8-wide unit (AVX-512: 32 registers of 8
/// doubles) holds the 8 × 8 block of ``MatrixProduct``'s `SIMD8` kernel (and the direct
/// convolution's 8-channel block); a 4-wide one (AVX2 and AVX: 16 registers of 4; NEON: 32 of
/// 2, which LLVM pairs) spills it, and gets a 4 × 8 block instead (four `SIMD8` accumulators, each two registers; a 6 × 8 block of `SIMD4`
/// accumulators was measured slower). Every block shape adds each C[i, j]'s products in the same order, so the
/// choice changes speed, never a bit (the tests run both shapes against the scalar reference).
///
/// The width is detected once, at first use, from what the processor reports (Linux:
/// `/proc/cpuinfo`'s `avx512f` flag; macOS: `hw.optional.avx512f`); `bench` prints it.
/// ``$registerWidthOverride`` forces one shape in a scope (tests, benchmarks).
public struct VectorUnit: Sendable, Equatable, CustomStringConvertible {
    /// Doubles per vector register the kernels are shaped for: 8 or 4.
    public let doublesPerRegister: Int
    /// What was detected, in words ("AVX-512", "AVX2", "NEON", …).
    public let name: String

    /// Forces the kernels' register width (4 or 8) in a scope; nil uses the detected one.
    @TaskLocal public static var registerWidthOverride: Int? = nil

    /// The detected unit.
    public static let detected: VectorUnit = detect()

    /// The unit the kernels use in the current context: the detected one, or the override's width.
    public static var current: VectorUnit {
        guard let width = registerWidthOverride, width != detected.doublesPerRegister else { return detected }
        return VectorUnit(doublesPerRegister: width, name: "\(width)-wide (forced)")
    }

    /// "AVX2 (4 doubles per register)"
    public var description: String { "\(name) (\(doublesPerRegister) doubles per register)" }

    static func detect() -> VectorUnit {
        #if arch(x86_64)
            let flags = processorFlags()
            if flags.contains("avx512f") { return VectorUnit(doublesPerRegister: 8, name: "AVX-512") }
            if flags.contains("avx2") { return VectorUnit(doublesPerRegister: 4, name: flags.contains("fma") ? "AVX2 + FMA" : "AVX2") }
            if flags.contains("avx") { return VectorUnit(doublesPerRegister: 4, name: "AVX") }
            return VectorUnit(doublesPerRegister: 4, name: "SSE2")
        #elseif arch(arm64)
            return VectorUnit(doublesPerRegister: 4, name: "NEON")
        #else
            return VectorUnit(doublesPerRegister: 4, name: "unknown")
        #endif
    }

    /// The processor's feature flags, lower-cased: `/proc/cpuinfo`'s first `flags` line on
    /// Linux, the `hw.optional.*` names that are set on macOS; empty when neither answers.
    static func processorFlags() -> Set<String> {
        #if os(Linux)
            guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
                let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
                let colon = line.firstIndex(of: ":")
            else { return [] }
            return Set(line[line.index(after: colon)...].split(separator: " ").map { $0.lowercased() })
        #elseif os(macOS)
            var flags: Set<String> = []
            for name in ["avx512f", "avx2", "avx1_0", "fma"] {
                var value: Int32 = 0
                var size = MemoryLayout<Int32>.size
                if sysctlbyname("hw.optional.\(name)", &value, &size, nil, 0) == 0, value != 0 { flags.insert(name == "avx1_0" ? "avx" : name) }
            }
            return flags
        #else
            return []
        #endif
    }
}
