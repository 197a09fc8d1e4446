import Diffusion
import Testing

/// DDPath's anchor times, τ_i = round(T_d (1 − i/T)^a) (forward) or round(T_d (i/T)^a)
/// (reversed), on hand-worked values. Completeness, determinism and sensitivity hold for any
/// schedule, so only the schedule's own values can show an off-by-one in it.
@Suite("DDPath's anchor schedule")
struct AnchorScheduleTests {
    @Test("a = 1, T = 4, T_d = 1000: the interior anchors are denoised from t = 750, 500, 250 (reversed: 250, 500, 750)")
    func handWorkedLinear() {
        let forward = AnchorDenoising(scaling: 1, reversed: false)
        #expect((1..<4).map { forward.time(anchor: $0, of: 4, diffusionSteps: 1000) } == [750, 500, 250])
        let reversed = AnchorDenoising(scaling: 1, reversed: true)
        #expect((1..<4).map { reversed.time(anchor: $0, of: 4, diffusionSteps: 1000) } == [250, 500, 750])
    }

    @Test("a = 2 and a = 0.5 on T = 4, T_d = 1000: 1000·(3/4)² = 562.5 → 563, 1000·(1/2)² = 250, 1000·(1/4)² = 62.5 → 63; √ gives 866, 707, 500")
    func handWorkedPowers() {
        let square = AnchorDenoising(scaling: 2)
        // 562.5 and 62.5 are exact in binary, so `rounded()` (half away from zero) decides them.
        #expect((1..<4).map { square.time(anchor: $0, of: 4, diffusionSteps: 1000) } == [563, 250, 63])
        let root = AnchorDenoising(scaling: 0.5)
        // 1000·√0.75 = 866.03, 1000·√0.5 = 707.11, 1000·√0.25 = 500.
        #expect((1..<4).map { root.time(anchor: $0, of: 4, diffusionSteps: 1000) } == [866, 707, 500])
    }

    @Test("Mirror identity: the reversed schedule at anchor i is the forward one at T − i, for a ∈ {0.5, 1, 2}", arguments: [0.5, 1, 2])
    func mirror(scaling: Double) {
        let forward = AnchorDenoising(scaling: scaling, reversed: false), reversed = AnchorDenoising(scaling: scaling, reversed: true)
        for steps in [4, 7, 200] {
            for i in 1..<steps {
                #expect(
                    reversed.time(anchor: i, of: steps, diffusionSteps: 1000) == forward.time(anchor: steps - i, of: steps, diffusionSteps: 1000),
                    "T = \(steps), i = \(i)")
            }
        }
    }

    @Test("Times stay in 1…T_d and fall monotonically along the forward schedule")
    func rangeAndOrder() {
        let forward = AnchorDenoising(scaling: 2)
        let times = (1..<200).map { forward.time(anchor: $0, of: 200, diffusionSteps: 1000) }
        #expect(times.allSatisfy { (1...1000).contains($0) })
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 >= $1 })
        #expect(times.first == 990 && times.last == 1)  // 1000·(199/200)² = 990.0; 1000·(1/200)² = 0.025 → kept at 1
    }
}
