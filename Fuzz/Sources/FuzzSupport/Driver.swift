// What both fuzz targets share: starting libFuzzer's driver.
//
// SwiftPM links an executable's entry point as `<module>_main`, while libFuzzer's runtime
// normally supplies `main` itself; linking its no-main variant and calling
// LLVMFuzzerRunDriver (libFuzzer's API for programs that own `main`) from the target's entry
// point avoids the clash.

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Runs libFuzzer with `callback` as the target (the command line is libFuzzer's).
public func runFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, callback)
}
