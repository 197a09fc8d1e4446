import ArrayFormats
import Datasets
import Foundation
import Tensors
import Testing
import _TestSupport

@Suite("Digits: the committed real data", .tags(.fixtures))
struct DigitsTests {
    @Test("1,797 images of [1, 8, 8] in [0, 1], ten classes, split 1,437 / 360 as recorded")
    func contents() throws {
        let digits = try Datasets.digits()
        #expect(digits.train.count == 1437 && digits.test.count == 360)
        #expect(digits.train.pointShape == [1, 8, 8] && digits.test.pointShape == [1, 8, 8])
        #expect(digits.train.inputs.scalars.allSatisfy { (0...1).contains($0) })
        // The source has 174–183 images per class; every class appears on both sides of the split.
        let total = zip(digits.train.classCounts, digits.test.classCounts).map { $0 + $1 }
        #expect(total.allSatisfy { (174...183).contains($0) })
        #expect(digits.test.classCounts.allSatisfy { $0 > 0 })
        // Pixel values were integers 0…16 before scaling.
        #expect(digits.test.inputs.scalars.allSatisfy { ($0 * 16).rounded() == $0 * 16 })
    }

    @Test("A missing or corrupt data file is reported with the file and the remedy")
    func badFiles() throws {
        let directory = try FixturePaths.temporaryDirectory("digits")
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = try #require(throws: DatasetError.self) { try Datasets.digits(directory: directory) }
        #expect(missing.description.contains("digits-images.npy") && missing.description.contains("export_digits.py"))

        let source = Datasets.dataDirectory
        for name in ["digits-images.npy", "digits-labels.npy", "digits-split.npy"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        let truncated = [UInt8](try Data(contentsOf: directory.appendingPathComponent("digits-labels.npy")).dropLast(8))
        try AtomicFile.write(truncated, to: directory.appendingPathComponent("digits-labels.npy"))
        let corrupt = try #require(throws: DatasetError.self) { try Datasets.digits(directory: directory) }
        #expect(corrupt.description.contains("digits-labels.npy") && corrupt.description.contains("truncated"))

        try NPY.write(Tensor(shape: [1797], repeating: 10), to: directory.appendingPathComponent("digits-labels.npy"))
        let wrongLabels = try #require(throws: DatasetError.self) { try Datasets.digits(directory: directory) }
        #expect(wrongLabels.description.contains("integer labels 0…9"))
        try NPY.write(Tensor(zeros: [1797, 64]), to: directory.appendingPathComponent("digits-images.npy"))
        let wrongShape = try #require(throws: DatasetError.self) { try Datasets.digits(directory: directory) }
        #expect(wrongShape.description.contains("[N, 1, 8, 8]"))
    }
}

@Suite("Shapes: synthetic images with ground-truth masks", .tags(.fixtures))
struct ShapesTests {
    @Test("The same seed gives the same bits; a larger count extends the set; another seed differs")
    func determinism() {
        let a = Datasets.shapes(count: 12, seed: 5)
        let b = Datasets.shapes(count: 12, seed: 5)
        let longer = Datasets.shapes(count: 20, seed: 5)
        #expect(a == b)
        #expect(longer.images.subset(Array(0..<12)) == a.images)
        #expect(Array(longer.masks.scalars[..<(12 * 256)]) == a.masks.scalars)
        #expect(Datasets.shapes(count: 12, seed: 6).images != a.images)
    }

    @Test("Images lie in [0, 1]; masks are binary, hold the object, and mark its brightest region")
    func imagesAndMasks() {
        let data = Datasets.shapes(count: 200, seed: 7)
        #expect(data.images.inputs.shape == [200, 1, 16, 16] && data.masks.shape == [200, 1, 16, 16])
        #expect(data.images.inputs.scalars.allSatisfy { (0...1).contains($0) })
        #expect(data.masks.scalars.allSatisfy { $0 == 0 || $0 == 1 })
        for i in 0..<data.count {
            let image = data.images.inputs.point(i).scalars
            let mask = data.masks.point(i).scalars
            let inside = zip(image, mask).filter { $0.1 == 1 }.map(\.0)
            let outside = zip(image, mask).filter { $0.1 == 0 }.map(\.0)
            // Half-extent ≥ 3 px: even the thinnest shape covers well over a dozen pixels.
            #expect(inside.count >= 12, "image \(i) mask has \(inside.count) pixels")
            // The object (brightness ≥ 0.7) is brighter on average than background and clutter (≤ 0.6).
            let insideMean: Double = inside.reduce(0, +) / Double(inside.count)
            let outsideMean: Double = outside.reduce(0, +) / Double(outside.count)
            #expect(insideMean > outsideMean + 0.3, "image \(i): object \(insideMean), rest \(outsideMean)")
        }
    }

    @Test("Classes are drawn uniformly (chi-square over 4 classes, 2,000 images)")
    func classBalance() {
        let counts = Datasets.shapes(count: 2000, seed: 8).images.classCounts
        let chiSquare = counts.map { (Double($0) - 500) * (Double($0) - 500) / 500 }.reduce(0, +)
        // 3 degrees of freedom: P(χ² > 16.27) = 0.001.
        #expect(chiSquare < 16.27, "\(counts)")
    }

    @Test("Each class's mask has its shape's geometry: a square fills its box, a disc π/4 of it, a triangle a little over half")
    func maskGeometry() {
        let data = Datasets.shapes(count: 400, seed: 9)
        var fill: [ShapeKind: [Double]] = [:]
        for i in 0..<data.count {
            let mask = data.masks.point(i).scalars
            let rows = (0..<16).filter { r in (0..<16).contains { mask[r * 16 + $0] == 1 } }
            let columns = (0..<16).filter { c in (0..<16).contains { mask[$0 * 16 + c] == 1 } }
            let box = Double(rows.count * columns.count)
            fill[ShapeKind(rawValue: data.images.labels[i])!, default: []].append(mask.reduce(0, +) / box)
        }
        func mean(_ kind: ShapeKind) -> Double { fill[kind]!.reduce(0, +) / Double(fill[kind]!.count) }
        // Continuous fills: square 1, disc π/4 ≈ 0.785, triangle 1/2. Pixelisation moves them a
        // little; for the triangle more, upwards: its apex is under a pixel wide for its top ~0.9 px,
        // so those rows drop out of the mask and the box shrinks by 10–17% (half-extents 3–5.5 px)
        // while the area hardly changes, giving ≈ 0.5/0.85 ≈ 0.59.
        #expect(mean(.square) > 0.95)
        #expect(abs(mean(.disc) - Double.pi / 4) < 0.06)
        #expect((0.5...0.65).contains(mean(.triangle)), "triangle fill \(mean(.triangle))")
        #expect(mean(.cross) < 0.7)
        #expect(mean(.square) > mean(.disc) && mean(.disc) > mean(.triangle))
    }
}

@Suite("Moons and blobs", .tags(.fixtures))
struct PlaneDataTests {
    @Test("Without noise the moons lie exactly on their two arcs, half of each class")
    func moonsGeometry() {
        let moons = Datasets.moons(count: 101, noise: 0, seed: 3)
        #expect(moons.classCounts == [50, 51])
        for i in 0..<moons.count {
            let (x, y) = (moons.inputs.scalars[2 * i], moons.inputs.scalars[2 * i + 1])
            // Class 0: the unit circle's upper half. Class 1: centred (1, 0.5), lower half.
            let (cx, cy) = moons.labels[i] == 0 ? (0.0, 0.0) : (1.0, 0.5)
            expectClose((x - cx) * (x - cx) + (y - cy) * (y - cy), 1, Tolerance(relative: 1e-14, absolute: 1e-14), "point \(i)")
            #expect(moons.labels[i] == 0 ? y >= -1e-15 : y <= 0.5 + 1e-15)
        }
        #expect(Datasets.moons(count: 300, noise: 0.1, seed: 4) == Datasets.moons(count: 300, noise: 0.1, seed: 4))
    }

    @Test("Moons noise has the requested standard deviation")
    func moonsNoise() {
        let clean = Datasets.moons(count: 4000, noise: 0, seed: 5)
        let noisy = Datasets.moons(count: 4000, noise: 0.2, seed: 5)
        // Same seed, same order: the difference is the noise alone.
        let differences = zip(noisy.inputs.scalars, clean.inputs.scalars).map { $0 - $1 }
        let variance = differences.map { $0 * $0 }.reduce(0, +) / Double(differences.count)
        // 8,000 normal draws: the sample variance's standard error is σ²√(2/n) ≈ 6.3e-4; 5 of them.
        #expect(abs(variance - 0.04) < 5 * 0.04 * (2.0 / 8000).squareRoot())
    }

    @Test("Blob means approach their centres")
    func blobs() {
        let centers: [[Double]] = [[-2, 0], [2, 1], [0, 3]]
        let data = Datasets.blobs(count: 3000, centers: centers, standardDeviation: 0.5, seed: 6)
        #expect(data.classCounts == [1000, 1000, 1000])
        for (label, center) in centers.enumerated() {
            let rows = (0..<data.count).filter { data.labels[$0] == label }
            for d in 0..<2 {
                let mean = rows.map { data.inputs.scalars[2 * $0 + d] }.reduce(0, +) / Double(rows.count)
                // Standard error 0.5/√1000 ≈ 0.016; 5 of them.
                #expect(abs(mean - center[d]) < 5 * 0.5 / 1000.0.squareRoot())
            }
        }
    }
}

@Suite("The validation part of a training set")
struct ValidationPartTests {
    /// Points whose single value is their index, so a point's position is readable from it.
    static func indexed(_ count: Int) -> LabeledData {
        LabeledData(inputs: Tensor(shape: [count, 1], scalars: (0..<count).map(Double.init)), labels: (0..<count).map { $0 % 3 }, classCount: 3)
    }

    @Test("The last ⌈0.2 N⌉ points, in order: N = 10 → 8, 9; N = 11 → 8, 9, 10; N = 1,437 → the last 288")
    func lastFifth() {
        #expect(Self.indexed(10).validationPart().inputs.scalars == [8, 9])
        #expect(Self.indexed(11).validationPart().inputs.scalars == [8, 9, 10])
        let digits = Self.indexed(1437).validationPart()
        #expect(digits.count == 288)
        #expect(digits.inputs.scalars == (1149..<1437).map(Double.init))
        #expect(digits.labels == (1149..<1437).map { $0 % 3 })
        #expect(Self.indexed(5).validationPart(fraction: 1).inputs.scalars == [0, 1, 2, 3, 4])
    }
}

@Suite("The background-swapped data: shapes on black, digits on texture", .tags(.fixtures))
struct SwappedBackgroundTests {
    @Test("Shapes on black are the textured shapes with the background set to 0: the same labels and masks, within the texture's amplitude, 0 where nothing was painted")
    func shapesOnBlack() {
        let textured = Datasets.shapes(count: 200, seed: 9)
        let black = Datasets.shapes(count: 200, seed: 9, background: .black)
        #expect(black.images.labels == textured.images.labels)
        #expect(black.masks == textured.masks)
        var zeros = 0
        for (a, b) in zip(black.images.inputs.scalars, textured.images.inputs.scalars) {
            if a == 0 { zeros += 1 }
            // Only the texture under (1 − c) of each pixel differs, and |b₀ + waves + noise| ≤
            // 0.25 + 0.15 + 5·0.03 = 0.55 (five standard deviations of the noise).
            #expect(abs(a - b) <= 0.55)
        }
        // Most of a 16×16 image is background: at least half the pixels are exactly 0.
        #expect(zeros > black.images.inputs.count / 2)
    }

    @Test("Textured digits: x = d + (1 − d)·b clamped, b the shapes' texture: full ink stays, the background is no longer black, the same seed gives the same bits")
    func texturedDigits() throws {
        let digits = try Datasets.digits().test.subset(Array(0..<50))
        let textured = Datasets.texturedDigits(digits, seed: 4)
        #expect(textured.labels == digits.labels)
        #expect(textured.inputs == Datasets.texturedDigits(digits, seed: 4).inputs)
        #expect(textured.inputs != Datasets.texturedDigits(digits, seed: 5).inputs)
        for (x, d) in zip(textured.inputs.scalars, digits.inputs.scalars) {
            // b = b₀ + three waves of 0.05 + noise: within [0.05 − 0.15 − 5σ, 0.25 + 0.15 + 5σ] ⊂ [−0.25, 0.55].
            #expect((0...1).contains(x))
            if d == 1 { #expect(x == 1) } else if x > 0 && x < 1 {
                let texture = (x - d) / (1 - d)
                #expect(texture >= -0.25 && texture <= 0.55)
            }
        }
        // The black background is gone: where a digit has no ink, almost no pixel stays 0.
        let background = zip(textured.inputs.scalars, digits.inputs.scalars).filter { $0.1 == 0 }
        #expect(background.filter { $0.0 == 0 }.count * 20 < background.count)
    }
}
