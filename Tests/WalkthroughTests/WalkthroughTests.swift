import ArrayFormats
import Foundation
import Quality
import Testing
import WalkthroughSupport
import _TestSupport

/// Runs each walkthrough executable in fast mode and checks the numbers it reports — the
/// numbers a reader is told to check — and that its page is whole.
@Suite("Walkthroughs run and report the right numbers", .tags(.slow))
struct WalkthroughTests {
    /// The built executable `name`, beside the test bundle or in .build/debug.
    static func binary(_ name: String) -> URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
        return FileManager.default.isExecutableFile(atPath: beside.path) ? beside : FixturePaths.repositoryRoot.appendingPathComponent(".build/debug/\(name)")
    }

    static func run(_ executable: String) throws -> (status: Int32, summary: JSONValue, output: String, directory: URL) {
        let directory = try FixturePaths.temporaryDirectory(executable)
        let process = Process()
        process.executableURL = binary(executable)
        process.arguments = ["--fast", "--output", directory.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // Every walkthrough's page is whole: its figures, alt texts and code links (PageChecks).
        let page = directory.appendingPathComponent("index.html")
        #expect(PageChecks.problems(page: page).isEmpty, "\(executable): \(PageChecks.problems(page: page))")
        let text = (try? String(contentsOf: directory.appendingPathComponent("summary.json"), encoding: .utf8)) ?? "{}"
        return (process.terminationStatus, try JSONValue.parse(text), output, directory)
    }

    static func number(_ summary: JSONValue, _ key: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
        try #require(summary[key]?.doubleValue, "summary.json lacks \(key)", sourceLocation: sourceLocation)
    }

    @Test("01: the closed form is complete, the hand-made sum is the library's, and IG fixes the ReLU example")
    func integratedGradientsByHand() throws {
        let (status, summary, output, directory) = try Self.run("walkthrough-01")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(status == 0, "\(output)")
        #expect(abs(try Self.number(summary, "closedFormCompletenessGap")) < 1e-14)
        #expect(try Self.number(summary, "handVersusLibrary") <= 1e-15)
        #expect(try Self.number(summary, "error8_gauss-legendre") < 1e-9)
        #expect(try Self.number(summary, "error8_left") > 1e-3)
        #expect(try Self.number(summary, "reluGradientSum") == 0)
        #expect(abs(try Self.number(summary, "reluIG1") - 0.5) < 1e-12)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("integrands.svg").path))
    }

    @Test("02: observed orders 1 and 2, Gauss–Legendre to round-off, Captum's trapezoid at (N−1)/N")
    func quadrature() throws {
        let (status, summary, output, directory) = try Self.run("walkthrough-02")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(status == 0, "\(output)")
        for rule in ["left", "right", "uniform", "captum-trapezoid"] {
            #expect(abs(try Self.number(summary, "order_\(rule)") - 1) < 0.1, "\(rule)")
        }
        for rule in ["middle", "trapezoid"] {
            #expect(abs(try Self.number(summary, "order_\(rule)") - 2) < 0.1, "\(rule)")
        }
        #expect(try Self.number(summary, "gaussLegendreRoundOffN") <= 64)
        #expect(abs(try Self.number(summary, "captumTrapezoidRatio25") - 24.0 / 25) < 1e-12)
        for figure in ["convergence-analytic.svg", "convergence-digits-cnn.svg"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(figure).path))
        }
    }

    @Test("03: every IDGI step is exact, IDGI is complete at any N, IG is not")
    func importantDirection() throws {
        let (status, summary, output, directory) = try Self.run("walkthrough-03")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(status == 0, "\(output)")
        #expect(try Self.number(summary, "worstHyperplaneError") < 1e-12)
        #expect(abs(try Self.number(summary, "idgiCompleteness6")) < 1e-12 * abs(try Self.number(summary, "deltaF")))
        #expect(abs(try Self.number(summary, "igCompleteness8")) > 1e-3)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("idgi-plane.svg").path))
    }

    @Test("04: the IDGI versions are complete on digits-cnn; the model calls are as documented")
    func blurAndGuided() throws {
        let (status, summary, output, directory) = try Self.run("walkthrough-04")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(status == 0, "\(output)")
        for name in ["IDGI-IG", "IDGI-BlurIG", "IDGI-GuidedIG"] {
            #expect(try Self.number(summary, "relativeCompletenessGap_\(name)") < 1e-12, "\(name)")
        }
        // Fast mode: 16 steps each, plus F at the two ends (IDGI-IG and -BlurIG: +1 segment end).
        #expect(try Self.number(summary, "modelEvaluations_IG") == 18)
        #expect(try Self.number(summary, "modelEvaluations_IDGI-IG") == 19)
        #expect(try Self.number(summary, "modelEvaluations_GuidedIG") == 18)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("maps.png").path))
    }

    @Test("05: EG, LPI and AGI with IDGI are complete toward their own targets; the estimators' error shrinks; the costs are as documented")
    func manyReferences() throws {
        let (status, summary, output, directory) = try Self.run("walkthrough-05")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(status == 0, "\(output)")
        // Fast mode: the first 400 training images are the reference set.
        #expect(try Self.number(summary, "referenceCount") == 400)
        // 20 densities, each a ratio of counts: a sum of 20 roundings.
        #expect(abs(try Self.number(summary, "densitySum") - 1) < 1e-14)
        for name in ["IDGI-EG", "IDGI-LPI", "IDGI-AGI"] {
            #expect(try Self.number(summary, "relativeCompletenessGap_\(name)") < 1e-12, "\(name)")
        }
        // Fast mode: 4 → 64 EG draws and 1 → 16 α's per LPI reference, averaged over 4 seeds;
        // at the 1/√n rate the error falls 4×, so "smaller" has a wide margin.
        let (egSmallest, egLargest) = (try Self.number(summary, "egGapSmallest"), try Self.number(summary, "egGapLargest"))
        let (lpiSmallest, lpiLargest) = (try Self.number(summary, "lpiGapSmallest"), try Self.number(summary, "lpiGapLargest"))
        #expect(egLargest < egSmallest / 2 && lpiLargest < lpiSmallest / 2, "EG \(egSmallest) → \(egLargest), LPI \(lpiSmallest) → \(lpiLargest)")
        // Fast mode: EG K = 16 (IDGI: × 8 segments); LPI R × k = 20 × 2 (IDGI: 20 × 8); AGI two
        // gradients per step, at most 9 classes × 8 steps.
        #expect(try Self.number(summary, "gradientEvaluations_EG") == 16)
        #expect(try Self.number(summary, "gradientEvaluations_IDGI-EG") == 128)
        #expect(try Self.number(summary, "gradientEvaluations_LPI") == 40)
        #expect(try Self.number(summary, "gradientEvaluations_IDGI-LPI") == 160)
        let agi = try Self.number(summary, "gradientEvaluations_AGI")
        let agiIDGI = try Self.number(summary, "gradientEvaluations_IDGI-AGI")
        #expect(agi > 0 && agi <= 144 && agi == agiIDGI)
        #expect(try Self.number(summary, "densityChange_cluster") == 0)
        for figure in ["references.png", "local-references.png", "maps.png", "densities.png"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(figure).path), "\(figure)")
        }
    }

    @Test("06: DDPath with IDGI is exactly complete; the guided digits samples reach 90%; every figure is written")
    func denoisingDiffusionPaths() throws {
        let (status, summary, output, directory) = try Self.run("walkthrough-06")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(status == 0, "\(output)")
        // Read from Fixtures/diffusion/digits/metrics.json: the bar for guided samples.
        #expect(try Self.number(summary, "guidedAccuracyAtChosenScale_digits") >= 0.9)
        // IDGI explains each step's ΔF exactly: the mean |Σ A − ΔF| is round-off (F ≤ 1).
        for data in ["digits", "shapes"] {
            #expect(try Self.number(summary, "completenessGap_\(data)_DDPath-IG_default_IDGI") < 1e-12, "\(data)")
            // A Riemann sum on a jagged path is not: fresh noise at every point misses ΔF by far more.
            let (fresh, exact) = (try Self.number(summary, "completenessGap_\(data)_DDPath-IG_step_stochastic"), try Self.number(summary, "completenessGap_\(data)_DDPath-IG_default_IDGI"))
            #expect(fresh > 1e-6 && fresh > exact, "\(data): \(fresh) vs \(exact)")
        }
        // Fast mode: 16 steps; a count of decreasing steps lies in 0…16.
        for key in ["pathDecreasingSteps_IG", "pathDecreasingSteps_DDPath"] {
            #expect((0...16).contains(try Self.number(summary, key)), "\(key)")
        }
        // Fast mode draws no shapes sample (a chain of 200 steps is slow in a debug build).
        for figure in ["forward-process.png", "guided-samples-digits.png", "paths.png", "softmax-along-paths.svg", "maps.png"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(figure).path), "\(figure)")
        }
    }

    @Test("07: the small live run judges its claims with intervals that contain their means; the committed full run's verdicts are read and plotted")
    func doTheClaimsHold() throws {
        let (status, summary, output, directory) = try Self.run("walkthrough-07")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(status == 0, "\(output)")
        // The four primaries the live run can judge on digits-cnn (three IDGI, one LPI) and the
        // moved-features control.
        #expect(try Self.number(summary, "liveClaimsJudged") == 4)
        #expect(try Self.number(summary, "liveControlsJudged") == 1)
        #expect(try Self.number(summary, "primaryClaimsDeclared") == Double(Claim.all.filter(\.primary).count))
        #expect(try Self.number(summary, "liveIntervalsContainTheirMeans") == 1)
        // quality/summary.json is committed: its rulings are read, counted and plotted.
        #expect(try Self.number(summary, "claimsJudged") > 0)
        let plotted = try Self.number(summary, "claimsPlotted")
        #expect((1...4).contains(plotted))
        let (flips, rulings) = (try Self.number(summary, "choiceFlips"), try Self.number(summary, "choiceRulings"))
        #expect(flips >= 0 && flips <= rulings)
        // The experiments: every one judged against IG from the same noise on the models it ran on
        // (12 on digits-cnn, 9 on shapes-cnn, DDPath-IG itself on both), the dose–response from the
        // three checkpoints, the shipped denoiser and the exact one, and IDGI's loss on the swapped models.
        let experiments = QualityMethod.ddpathExperiments
        #expect(try Self.number(summary, "experimentRulings") == Double(2 + experiments.filter { $0.runs(on: "digits-cnn") }.count + experiments.filter { $0.runs(on: "shapes-cnn") }.count))
        #expect(try Self.number(summary, "dosePoints") == Double(QualityMethod.denoiserCheckpoints.count + 2))
        for model in ["digits-cnn", "digits-textured-cnn", "shapes-cnn", "shapes-black-cnn"] {
            // Read from the committed run (a model missing from it records null, which fails here).
            #expect(try Self.number(summary, "idgiLoss_\(model)").isFinite, "\(model)")
        }
    }

    @Test("08: exact IG is complete to rounding, every rule's error falls with N, IDGI converges to its limit, and the committed run is read")
    func theExactAnswer() throws {
        let (status, summary, output, directory) = try Self.run("walkthrough-08")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(status == 0, "\(output)")
        let pieces = try Self.number(summary, "pieces")
        #expect(pieces > 100, "digits-cnn's line has hundreds of pieces")
        // Exact up to rounding: a sum of ~10³ terms of size ≤ |ΔF| ≈ 10.
        #expect(abs(try Self.number(summary, "exactCompletenessGap")) < 1e-12)
        #expect(abs(try Self.number(summary, "idgiLimitCompletenessGap")) < 1e-12)
        for rule in ["left", "right", "middle", "trapezoid", "gauss-legendre", "uniform", "captum-trapezoid"] {
            let (last, sixteen) = (try Self.number(summary, "errorLast_\(rule)"), try Self.number(summary, "error16_\(rule)"))
            #expect(last < sixteen, "\(rule)")
        }
        // The fast run ends at N = 256: a first-order error at that N is well under 1%.
        #expect(try Self.number(summary, "errorLast_middle") < 0.01)
        let (idgiLast, idgiFirst) = (try Self.number(summary, "idgiErrorLast"), try Self.number(summary, "idgiErrorFirst"))
        #expect(idgiLast < idgiFirst / 8)
        #expect(try Self.number(summary, "twentyStepError") > 0)
        // Benchmarks/exact-ig/summary.json is committed: every shipped piecewise-linear model is in it.
        #expect(try Self.number(summary, "committedModels") == 5)
        #expect(try Self.number(summary, "committedPieces_digits-mlp").isFinite)
        for name in ["logit-along-the-line.svg", "integrand-jumps.svg", "rules-against-exact.svg", "discretisation.png", "idgi-against-limit.svg"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path), "\(name)")
        }
    }

    @Test("A number that is not finite is recorded as null, so no check can pass on it")
    func nonFiniteIsNull() throws {
        let directory = try FixturePaths.temporaryDirectory("nan-summary")
        defer { try? FileManager.default.removeItem(at: directory) }
        let notebook = Walkthrough(name: "nan-check", title: "non-finite numbers", arguments: ["--output", directory.path])
        notebook.record("finite", 0.5)
        notebook.record("notANumber", .nan)
        notebook.record("infinite", -.infinity)
        notebook.finish()
        let summary = try JSONValue.parse(String(contentsOf: directory.appendingPathComponent("summary.json"), encoding: .utf8))
        #expect(summary["finite"]?.doubleValue == 0.5)
        for key in ["notANumber", "infinite"] {
            #expect(summary[key] == .null, "\(key)")
            // What a walkthrough test reads: no number, so `< 1e-12` cannot hold.
            #expect(summary[key]?.doubleValue == nil, "\(key)")
        }
    }

    @Test("The runner's --output DIR uses the folder names of the default run: DIR/01-integrated-gradients-by-hand/, and the index DIR/index.html")
    func runnerFolders() throws {
        let directory = try FixturePaths.temporaryDirectory("runner")
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = Self.binary("walkthroughs")
        process.arguments = ["1", "--fast", "--output", directory.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["01-integrated-gradients-by-hand", "index.html"])
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("01-integrated-gradients-by-hand/summary.json").path))
    }
}
