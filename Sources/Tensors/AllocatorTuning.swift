#if canImport(Glibc)
import Glibc
#endif

/// Process-wide allocator settings for the hot paths.
///
/// A path attribution evaluates the model chunk after chunk, each evaluation allocating and
/// freeing a few hundred kilobytes of activations. glibc's malloc returns freed memory at
/// the top of the heap to the kernel as soon as more than 128 KB is free (M_TRIM_THRESHOLD),
/// and maps allocations above 128 KB afresh each time (M_MMAP_THRESHOLD), so every
/// evaluation page-faults its memory back in: on digits-cnn, 780 faults per 200-point
/// evaluation and 40% of the time. This library's executables (`attribute`, `bench`, the
/// walkthroughs, `train-fixtures`) therefore ask glibc at startup to keep up to 256 MB of
/// freed memory and to serve allocations up to 64 MB from the heap. It is a process-wide
/// policy, so the library never sets it by itself; a program embedding the library may call
/// ``keepFreedMemory()`` too. Elsewhere (macOS, musl) it does nothing.
public enum AllocatorTuning {
    /// Asks the C allocator to keep freed memory for reuse instead of returning it at once.
    /// Returns true when the settings were applied.
    @discardableResult
    public static func keepFreedMemory() -> Bool {
        #if canImport(Glibc)
        // mallopt is declared in <malloc.h>, which Swift's Glibc module does not import; look it
        // up at run time (absent on other C libraries, where this does nothing). The parameter
        // numbers are glibc's stable ABI: M_TRIM_THRESHOLD = −1, M_MMAP_THRESHOLD = −3.
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "mallopt") else { return false }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trim = mallopt(-1, 256 << 20)
        let map = mallopt(-3, 64 << 20)
        return trim == 1 && map == 1
        #else
        return false
        #endif
    }
}
