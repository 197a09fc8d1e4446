import ArrayFormats
import Attribution
import Foundation
import Models
import Tensors
import Testing
import _TestSupport

/// Expected Gradients, LPI and AGI against their official code (goldens from
/// Fixtures/reference/export_reference_method_goldens.py), the official codes' defects shown,
/// and the axioms each method keeps toward its own target.
@Suite("Expected Gradients, LPI and AGI", .tags(.golden, .axiom))
struct ReferenceMethodTests {
    static let folder = "goldens/reference-methods"
    static func json(_ name: String) throws -> JSONValue { try JSONValue.parse(String(contentsOf: FixturePaths.url("\(folder)/\(name)"), encoding: .utf8)) }
    static func array(_ name: String) throws -> Tensor { try NPY.read(contentsOf: FixturePaths.url("\(folder)/\(name)")) }
    static func references() throws -> [Tensor] {
        let stack = try array("references.npy")
        return (0..<stack.batchCount).map { stack.point($0) }
    }
    static func digit() throws -> Tensor { try ShippedModels.exampleInput("digits-cnn") }

    /// Tolerance for goldens computed in float64 by another implementation with other
    /// summation orders: the issue's 1e-9, far above the ~1e-15 seen.
    static let golden = Tolerance(relative: 1e-9)

    @Test("Expected Gradients equals path_explain's estimator fed the same references and α's")
    func expectedGradientsGolden() throws {
        let setup = try Self.json("eg-draws.json")
        let indices = try #require(setup["references"]?.arrayValue).compactMap(\.intValue)
        let alphas = try #require(setup["alphas"]?.arrayValue).compactMap(\.doubleValue)
        let draws = zip(indices, alphas).map { ReferenceSampling.Draw(reference: $0, alphas: [$1], weight: 1 / Double(indices.count)) }
        let output = try ClassifierOutput(network: try ShippedModels.network("digits-cnn"), target: 2, kind: .logit)
        let eg = try ExpectedGradients(references: try Self.references(), samples: indices.count, givenDraws: draws).attribute(try Self.digit(), of: output)
        let expected = try Self.array("eg.npy").scalars
        print("expected-gradients against path_explain: \(normwiseRelativeError(eg.attribution.scalars, expected))")
        expectClose(eg.attribution.scalars, expected, Self.golden, "EG")
    }

    @Test("LPI equals the official LPI given the same references, densities and α's (pairing fixed, 1/R undone); the unfixed official code differs")
    func lpiGolden() throws {
        let setup = try Self.json("lpi-setup.json")
        let chosen = try #require(setup["references"]?.arrayValue).compactMap(\.intValue)
        let densities = try #require(setup["densities"]?.arrayValue).compactMap(\.doubleValue)
        let alphas = try #require(setup["alphas"]?.arrayValue).map { $0.arrayValue!.compactMap(\.doubleValue) }
        let network = try ShippedModels.network("digits-cnn")
        // One cluster holding the official run's references as its sub-clusters.
        let clustering = ReferenceClustering(clusters: [.init(
            center: Array(repeating: 0, count: network.classCount), members: chosen,
            subclusters: zip(chosen, densities).map { .init(centroid: [], size: 1, reference: $0, density: $1) })])
        let lpi = LocalPathIntegration(
            references: try Self.references(), clustering: clustering, network: network, samplesPerReference: alphas[0].count, givenAlphas: alphas)
        let output = try ClassifierOutput(network: network, target: 2, kind: .logit)
        let result = try lpi.attribute(try Self.digit(), of: output).attribution.scalars
        let expected = try Self.array("lpi.npy").scalars
        print("lpi against the official code (pairing fixed): \(normwiseRelativeError(result, expected))")
        expectClose(result, expected, Self.golden, "LPI")
        // The official pairing bug moves the map by ~28% of its largest element.
        let unfixed = try Self.array("lpi-official-unfixed.npy").scalars
        #expect(normwiseRelativeError(unfixed, expected) > 0.1)
        // The weights sum to 1: the attribution's sum is F(x) − Σ ρ_j F(r_j) up to the estimator's error.
        #expect(abs(densities.reduce(0, +) - 1) < 1e-12)
    }

    @Test("AGI equals the official pgd_step in both variants; the official restart from x₀ gives another map")
    func agiGolden() throws {
        let network = try ShippedModels.network("digits-cnn")
        let output = try ClassifierOutput(network: network, target: 2, kind: .probability)
        for (variant, file) in [(AdversarialGradientIntegration.Variant.corrected, "agi-corrected.npy"), (.official, "agi-official.npy")] {
            let result = try AdversarialGradientIntegration(classCount: 10, variant: variant).attribute(try Self.digit(), of: output).attribution.scalars
            let expected = try Self.array(file).scalars
            print("agi \(variant) against the official code: \(normwiseRelativeError(result, expected))")
            expectClose(result, expected, Self.golden, "AGI \(variant)")
        }
        // Restarting every step from x₀ keeps the point within one ε-step of x: a different map
        // (here twice the corrected one's largest element).
        let official = try Self.array("agi-official.npy").scalars
        let corrected = try Self.array("agi-corrected.npy").scalars
        #expect(normwiseRelativeError(official, corrected) > 0.5)
    }

    @Test("AGI's official variant never moves more than ε from x; the corrected one walks further and, with IDGI, is complete toward Σ_t (p_y(x) − p_y(x_end))")
    func agiWalks() throws {
        let network = try ShippedModels.network("digits-cnn")
        let output = try ClassifierOutput(network: network, target: 2, kind: .probability)
        let x = try Self.digit()
        let official = try AdversarialGradientIntegration(classCount: 10, maxIterations: 6, variant: .official)
            .attribute(x, of: output, options: RunOptions(recordsPathPoints: true))
        let points = try #require(official.pathPoints)
        for p in 0..<points.batchCount {
            #expect(zip(points.point(p).scalars, x.scalars).allSatisfy { abs($0 - $1) <= 0.05 + 1e-15 })
        }
        let idgi = try AdversarialGradientIntegration(classCount: 10, maxIterations: 6, integrator: ImportantDirection())
            .attribute(x, of: output, options: RunOptions(recordsLedger: true, recordsPathPoints: true))
        let ledger = try #require(idgi.ledger)
        // Per class, the steps telescope from p_y(x) down to p_y(x_end); each step is exact.
        var target = 0.0
        for t in Set(ledger.steps.compactMap { $0.detail("t") }).sorted() {
            let steps = ledger.steps.filter { $0.detail("t") == t }
            target += steps.map(\.deltaValue).reduce(0, +)
            for step in steps { expectClose(step.attributionSum, step.deltaValue, Tolerance(relative: 1e-12, absolute: 1e-300), "class \(t) iteration \(step.detail("iteration")!)") }
        }
        expectClose(idgi.attribution.sum, target, Tolerance(relative: 1e-12, absolute: 1e-15), "AGI-IDGI completeness")
        let walked = try #require(idgi.pathPoints)
        #expect((0..<walked.batchCount).contains { p in zip(walked.point(p).scalars, x.scalars).contains { abs($0 - $1) > 0.05 + 1e-12 } })
        // The explained class is not a false class; --classes K takes the official range(0, C − 1, ⌊C/K⌋).
        #expect(AdversarialGradientIntegration(classCount: 10, classes: 3).candidateClasses == [0, 3, 6])
        #expect(AdversarialGradientIntegration(classCount: 1000, classes: 15).candidateClasses.count == 16)
        #expect(Set(ledger.steps.compactMap { $0.detail("t") }).isSubset(of: Set([0, 1, 3, 4, 5, 6, 7, 8, 9].map(Double.init))))
    }

    @Test("EG and LPI converge to their own completeness targets, F(x) − Σ w F(r), as samples grow; with IDGI they reach them exactly, step by step")
    func referenceCompleteness() throws {
        let network = try ShippedModels.network("moons-mlp")
        let points = try ShippedModels.checkInputs("moons-mlp")
        let x = points.point(0)
        let references = (8..<40).map { points.point($0) }
        let output = try ClassifierOutput(network: network, target: 1, kind: .logit)
        func gap(_ result: AttributionResult) throws -> Double { abs(try #require(result.completenessDelta)) }
        // Riemann: the Monte-Carlo error falls roughly as 1/√K; averaged over seeds to compare fairly.
        func meanGap(_ samples: Int) throws -> Double {
            try (0..<8).map { seed in try gap(try ExpectedGradients(references: references, samples: samples, seed: UInt64(seed)).attribute(x, of: output)) }.reduce(0, +) / 8
        }
        let (few, many) = (try meanGap(4), try meanGap(256))
        print("expected-gradients completeness gap: K = 4: \(few), K = 256: \(many)")
        #expect(many < few / 3)
        let lpiClustering = try LocalPathIntegration.cluster(references, network: network, clusters: 1, subclusters: 4, seed: 3)
        func lpiGap(_ k: Int) throws -> Double {
            try (0..<8).map { seed in
                try gap(try LocalPathIntegration(references: references, clustering: lpiClustering, network: network, samplesPerReference: k, seed: UInt64(seed)).attribute(x, of: output))
            }.reduce(0, +) / 8
        }
        let (lpiFew, lpiMany) = (try lpiGap(2), try lpiGap(128))
        print("lpi completeness gap: k = 2: \(lpiFew), k = 128: \(lpiMany)")
        #expect(lpiMany < lpiFew / 3)
        // IDGI: exact, and every segment of every reference's line exact.
        for method: any AttributionMethod in [
            ExpectedGradients(references: references, samples: 5, integrator: ImportantDirection(), steps: 7),
            LocalPathIntegration(references: references, clustering: lpiClustering, network: network, integrator: ImportantDirection(), steps: 7),
        ] {
            let result = try method.attribute(x, of: output, options: RunOptions(recordsLedger: true))
            #expect(try gap(result) < 1e-12, "\(method.name)")
            let ledger = try #require(result.ledger)
            for step in ledger.steps {
                expectClose(step.attributionSum, step.deltaValue, Tolerance(relative: 1e-12, absolute: 1e-300), "\(method.name) reference \(step.reference!)")
            }
            #expect(ledger.steps.allSatisfy { $0.reference != nil && $0.alpha != nil && $0.weight != nil })
        }
    }

    @Test("LPI's density ablation changes only the weights: the same references and α's; each map is Σ_j w_j T_j over the same per-reference terms T_j")
    func densityAblation() throws {
        let network = try ShippedModels.network("moons-mlp")
        let points = try ShippedModels.checkInputs("moons-mlp")
        let x = points.point(0)
        let references = (8..<40).map { points.point($0) }
        let output = try ClassifierOutput(network: network, target: 1, kind: .logit)
        let clustering = try LocalPathIntegration.cluster(references, network: network, clusters: 1, subclusters: 5, seed: 2)
        var runs: [(draws: [ReferenceSampling.Draw], attribution: [Double])] = []
        for density in LocalPathIntegration.Density.allCases {
            let lpi = LocalPathIntegration(references: references, clustering: clustering, network: network, samplesPerReference: 3, density: density, seed: 9)
            runs.append((try lpi.draws(for: x).draws, try lpi.attribute(x, of: output).attribution.scalars))
        }
        #expect(runs.allSatisfy { $0.draws.map(\.reference) == runs[0].draws.map(\.reference) && $0.draws.map(\.alphas) == runs[0].draws.map(\.alphas) })
        // The weights do differ: 32 points in 5 sub-clusters cannot all have density 1/5.
        #expect(runs[0].draws.map(\.weight) != runs[1].draws.map(\.weight) && runs[2].draws.map(\.weight) != runs[1].draws.map(\.weight))
        for run in runs { expectClose(run.draws.map(\.weight).reduce(0, +), 1, Tolerance(relative: 1e-15), "weights") }
        // T_j = (x − r_j) ⊙ mean_m ∇F(r_j + α_jm (x − r_j)), computed here from the shared draws.
        let terms = try runs[0].draws.map { draw in
            let r = references[draw.reference].scalars
            var mean = [Double](repeating: 0, count: x.count)
            for alpha in draw.alphas {
                let g = try output.gradient(at: Tensor(shape: x.shape, scalars: (0..<x.count).map { r[$0] + alpha * (x.scalars[$0] - r[$0]) })).scalars
                for i in mean.indices { mean[i] += g[i] / Double(draw.alphas.count) }
            }
            return (0..<x.count).map { (x.scalars[$0] - r[$0]) * mean[$0] }
        }
        for (index, run) in runs.enumerated() {
            let expected = (0..<x.count).map { i in zip(run.draws, terms).reduce(0.0) { $0 + $1.0.weight * $1.1[i] } }
            expectClose(run.attribution, expected, Tolerance(relative: 1e-12, absolute: 1e-14), "density \(LocalPathIntegration.Density.allCases[index])")
        }
    }

    @Test("LPI's clustering: k-means in logit space, each sub-cluster's reference its member nearest the centroid, densities summing to 1 per cluster; too few references is an error")
    func clustering() throws {
        let network = try ShippedModels.network("digits-mlp")
        let images = try ShippedModels.checkInputs("digits-mlp")
        let references = (0..<40).map { images.point($0) }
        let clustering = try LocalPathIntegration.cluster(references, network: network, clusters: 3, subclusters: 4, seed: 7)
        #expect(clustering.clusters.count == 3)
        #expect(clustering.clusters.flatMap(\.members).sorted() == Array(0..<40))
        let logits = try network.logits(for: Tensor.stacking(references))
        let row = { (i: Int) in Array(logits.scalars[(i * 10)..<((i + 1) * 10)]) }
        for cluster in clustering.clusters {
            expectClose(cluster.subclusters.map(\.density).reduce(0, +), 1, Tolerance(relative: 1e-15), "densities")
            #expect(cluster.subclusters.map(\.size).reduce(0, +) == cluster.members.count)
            for sub in cluster.subclusters {
                // The reference is a member of its sub-cluster: nearer its centroid than any sibling's.
                func distance(_ i: Int, _ centroid: [Double]) -> Double { zip(row(i), centroid).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
                #expect(cluster.members.contains(sub.reference))
                #expect(cluster.subclusters.allSatisfy { distance(sub.reference, sub.centroid) <= distance(sub.reference, $0.centroid) })
            }
            // Each member is nearer its own center than any other (Lloyd's fixed point).
            for member in cluster.members {
                #expect(clustering.nearestCluster(to: row(member)) == clustering.clusters.firstIndex(of: cluster))
            }
        }
        #expect(try LocalPathIntegration.cluster(references, network: network, clusters: 3, subclusters: 4, seed: 7) == clustering)
        #expect(throws: AttributionError.self) { try LocalPathIntegration.cluster(Array(references.prefix(5)), network: network, clusters: 2, subclusters: 3, seed: 0) }
    }
}

@Suite("LPI's k-means on hard point sets", .tags(.badInput))
struct KMeansEdgeCaseTests {
    /// Points on a line, crowded at both ends with a lone point between: seeds that start two
    /// centers in one crowd and Lloyd steps that strand a center are both common here.
    static func crowdedPoints(_ generator: inout Xoshiro256StarStar) -> [[Double]] {
        (0..<9).map { i in [Double(i < 4 ? 0 : (i == 4 ? 5 : 10)) + 0.01 * generator.nextUniform(), 0.01 * generator.nextUniform()] }
    }

    static func distance(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }

    @Test("Every cluster non-empty and at Lloyd's fixed point (center = its members' mean, each point at its nearest center), for 300 seeds")
    func fixedPointsForManySeeds() throws {
        var data = Xoshiro256StarStar(seed: 99)
        for seed in 0..<300 as Range<UInt64> {
            let points = Self.crowdedPoints(&data)
            let clustering = try ReferenceClustering(logits: points, clusters: 4, subclusters: 1, seed: seed)
            for (c, cluster) in clustering.clusters.enumerated() {
                #expect(!cluster.members.isEmpty, "seed \(seed): cluster \(c) is empty")
                let mean = (0..<2).map { d in cluster.members.reduce(0.0) { $0 + points[$1][d] } / Double(cluster.members.count) }
                // A mean of at most 9 values: a few ulps of the coordinates (≤ 10).
                expectClose(cluster.center, mean, Tolerance(relative: 1e-14, absolute: 1e-14), "seed \(seed): cluster \(c)'s center")
                for member in cluster.members {
                    let nearest = clustering.nearestCluster(to: points[member])
                    #expect(Self.distance(points[member], clustering.clusters[nearest].center)
                            == Self.distance(points[member], cluster.center), "seed \(seed): point \(member) is not at its nearest center")
                }
            }
        }
    }

    @Test("A Lloyd step that empties a cluster moves its center to the farthest point: all three clusters survive, at a fixed point")
    func emptiedCluster() throws {
        // Found by searching 200,000 random sets with relocation switched off: with seed
        // 113961, a Lloyd update strands one center and no later one refills it, so without
        // relocation the run ends with an empty cluster (and is refused).
        let points = [
            [1.0003895378691345, 1.0007803445688084], [1.0004840013601575, 0.0006159082566688416], [2.000072489301013, 4.0004180187618985],
            [1.0004236735760257, 1.000447649507651], [3.0003757969264107, 1.0003696900041816], [2.000919079803016, 3.000705537041523],
        ]
        let clustering = try ReferenceClustering(logits: points, clusters: 3, subclusters: 1, seed: 113961)
        #expect(clustering.clusters.flatMap(\.members).sorted() == Array(0..<6))
        for cluster in clustering.clusters {
            #expect(!cluster.members.isEmpty)
            let mean = (0..<2).map { d in cluster.members.reduce(0.0) { $0 + points[$1][d] } / Double(cluster.members.count) }
            expectClose(cluster.center, mean, Tolerance(relative: 1e-14, absolute: 1e-14), "center")
        }
    }

    @Test("Duplicated references: too few distinct logit vectors is an error that says so, not a crash")
    func duplicates() throws {
        let points = Array(repeating: [1.0, 2.0], count: 6) + Array(repeating: [3.0, 0.0], count: 6)
        #expect(throws: AttributionError.self) { try ReferenceClustering(logits: points, clusters: 3, subclusters: 1, seed: 0) }
        do {
            _ = try ReferenceClustering(logits: points, clusters: 1, subclusters: 4, seed: 0)
            Issue.record("four sub-clusters of two distinct points should be refused")
        } catch {
            #expect(error.description.contains("2 distinct logit vectors") && error.description.contains("sub-clusters"), "\(error)")
        }
        // Two distinct values make two clusters, each its own value.
        let two = try ReferenceClustering(logits: points, clusters: 2, subclusters: 1, seed: 0)
        #expect(Set(two.clusters.map(\.members.count)) == [6])
    }
}
