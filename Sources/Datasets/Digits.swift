import ArrayFormats
import Foundation
import Tensors

/// The 8×8 handwritten digits: real data, 1,797 images of the digits 0–9.
///
/// Source: the UCI "Optical Recognition of Handwritten Digits" set (Alpaydin & Kaynak 1998,
/// CC BY 4.0), test portion, as shipped by scikit-learn's `load_digits`. Exported once by
/// `Fixtures/data/export_digits.py` to `Fixtures/data/`: pixel values 0…16 scaled to [0, 1],
/// images shaped [N, 1, 8, 8], and a fixed split of 1,437 training and 360 test images
/// (the first 360 of `numpy.random.default_rng(0).permutation(1797)` are the test set).
extension Datasets {
    /// The digits, split as recorded in `digits-split.npy`.
    /// - Parameter directory: the folder holding the three `digits-*.npy` files.
    /// - Throws: ``DatasetError`` naming a missing or malformed file and how to restore it.
    public static func digits(directory: URL = Datasets.dataDirectory) throws(DatasetError) -> DataSplit {
        let remedy = "restore it with `git checkout Fixtures/data` or regenerate it with `python3 Fixtures/data/export_digits.py`"
        func load(_ name: String) throws(DatasetError) -> Tensor {
            do {
                return try NPY.read(contentsOf: directory.appendingPathComponent(name))
            } catch {
                throw DatasetError("\(error.description); \(remedy)")
            }
        }
        let images = try load("digits-images.npy")
        let labels = try load("digits-labels.npy")
        let split = try load("digits-split.npy")
        let count = images.shape.first ?? 0
        func fail(_ file: String, _ problem: String) -> DatasetError {
            DatasetError("\(directory.appendingPathComponent(file).path): \(problem); \(remedy)")
        }
        guard images.rank == 4, images.pointShape == [1, 8, 8], count > 0 else {
            throw fail("digits-images.npy", "expected shape [N, 1, 8, 8], found \(images.shape)")
        }
        guard images.scalars.allSatisfy({ (0...1).contains($0) }) else {
            throw fail("digits-images.npy", "pixel values must lie in [0, 1]")
        }
        guard labels.shape == [count], labels.scalars.allSatisfy({ $0.rounded() == $0 && (0...9).contains($0) }) else {
            throw fail("digits-labels.npy", "expected \(count) integer labels 0…9, found shape \(labels.shape)")
        }
        guard split.shape == [count], split.scalars.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw fail("digits-split.npy", "expected \(count) entries, each 0 (train) or 1 (test), found shape \(split.shape)")
        }
        let all = LabeledData(inputs: images, labels: labels.scalars.map { Int($0) }, classCount: 10)
        let indices = Array(0..<count)
        return DataSplit(
            train: all.subset(indices.filter { split.scalars[$0] == 0 }),
            test: all.subset(indices.filter { split.scalars[$0] == 1 }))
    }
}
