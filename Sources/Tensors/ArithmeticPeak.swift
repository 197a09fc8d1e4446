/// The machine's arithmetic peak for the kernels' kind of arithmetic: separate multiplies and
/// adds on full `SIMD8<Double>` registers, no fused multiply-add (the kernels use none, so that
/// every path gives the same bits). `bench` divides a kernel's rate by it.
public enum ArithmeticPeak {
    /// Runs `iterations` rounds of sixteen independent chains acc ← acc · a + b (enough chains
    /// to hide each operation's latency) and returns a value that depends on all of them.
    /// Floating-point operations: 2 · 8 · 16 · iterations.
    @inline(never)
    public static func chains(iterations: Int, seed: Double) -> Double {
        let a = SIMD8<Double>(repeating: 0.999_999_9), b = SIMD8<Double>(repeating: 1e-9 * seed)
        var a0 = b, a1 = b + 1, a2 = b + 2, a3 = b + 3, a4 = b + 4, a5 = b + 5, a6 = b + 6, a7 = b + 7
        var a8 = b + 8, a9 = b + 9, a10 = b + 10, a11 = b + 11, a12 = b + 12, a13 = b + 13, a14 = b + 14, a15 = b + 15
        for _ in 0..<iterations {
            a0 = a0 * a + b; a1 = a1 * a + b; a2 = a2 * a + b; a3 = a3 * a + b
            a4 = a4 * a + b; a5 = a5 * a + b; a6 = a6 * a + b; a7 = a7 * a + b
            a8 = a8 * a + b; a9 = a9 * a + b; a10 = a10 * a + b; a11 = a11 * a + b
            a12 = a12 * a + b; a13 = a13 * a + b; a14 = a14 * a + b; a15 = a15 * a + b
        }
        let sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)) + ((a12 + a13) + (a14 + a15))
        return sum.sum()
    }
}
