import ArrayFormats
import Attribution
import Diffusion
import Foundation
import Models
import Tensors

/// How the values of file parameters are read, by their declared kind — never by a
/// parameter's name: a baseline is a point of the input's shape, an array parameter a stack
/// or a mask as its kind says, a resource what its loader reads (a diffusion directory).
public enum ParameterFiles {
    /// The loaders of resource kinds.
    public static let resourceLoaders: [ResourceKind: @Sendable (URL) throws -> any Sendable] = [
        .diffusionDirectory: { try DiffusionModel.load($0) },
    ]

    /// `value` (a path) of a parameter of `kind`, read: `.array` for arrays and baselines,
    /// `.resource` for resources; anything else unchanged.
    /// - Parameters:
    ///   - inputShape: the shape of one input, when known, which points and stacks must fit.
    /// - Throws: ``ParameterFileError`` saying what is wrong with the file (a data error).
    public static func load(_ value: ParameterValue, kind: ParameterKind, parameter: String, inputShape: [Int]?) throws -> ParameterValue {
        guard case .path(let path) = value else { return value }
        let url = URL(fileURLWithPath: path)
        switch kind {
        case .baseline, .array:
            let array = try NPY.read(contentsOf: url)
            if let bad = array.firstNonFiniteIndex {
                throw ParameterFileError("\(path): element \(bad) is \(array.scalars[bad]); `\(parameter)` must hold finite values")
            }
            return .array(try fitted(array, kind: kind, parameter: parameter, path: path, inputShape: inputShape), source: path)
        case .resource(let resource):
            guard let loader = resourceLoaders[resource] else {
                throw ParameterFileError("`\(parameter)` names a \(resource.name), which this command cannot read")
            }
            return .resource(try loader(url), source: path)
        default:
            return value
        }
    }

    /// `array` in the shape `kind` asks for (a point may come as [1] + shape).
    static func fitted(_ array: Tensor, kind: ParameterKind, parameter: String, path: String, inputShape: [Int]?) throws -> Tensor {
        if kind == .array(.classes) {
            guard array.count > 0, array.rank <= 1 || array.shape.dropFirst().allSatisfy({ $0 == 1 }) else {
                throw ParameterFileError("\(path): `\(parameter)` has shape \(array.shape); it must be [M], one class per reference")
            }
            if let bad = array.scalars.firstIndex(where: { $0 != $0.rounded() || $0 < 0 || $0 > 1e9 }) {
                throw ParameterFileError("\(path): `\(parameter)` element \(bad) is \(array.scalars[bad]); each class must be a whole number ≥ 0")
            }
            return array.reshaped([array.count])
        }
        guard let shape = inputShape else { return array }
        switch kind {
        case .baseline, .array(.point):
            if array.shape == shape { return array }
            if array.shape == [1] + shape { return array.reshaped(shape) }
            throw ParameterFileError("\(path): `\(parameter)` has shape \(array.shape); it must be the input's shape \(shape)")
        case .array(.stack):
            guard array.rank == shape.count + 1, Array(array.shape.dropFirst()) == shape, array.shape[0] > 0 else {
                throw ParameterFileError("\(path): `\(parameter)` has shape \(array.shape); it must be [M] + the input's shape \(shape), M ≥ 1")
            }
            return array
        default:
            return array
        }
    }

    /// `specification` with every file value of it and of its base read (``load(_:kind:parameter:inputShape:)``).
    public static func loaded(_ specification: MethodSpecification, registry: MethodRegistry, inputShape: [Int]?) throws -> MethodSpecification {
        var result = specification
        for (scope, registration, inner) in registry.registrations(of: specification) {
            for (name, value) in inner.values {
                guard case .path = value, let declaration = registration.parameter(name) else { continue }
                let loaded = try load(value, kind: declaration.kind, parameter: scope + name, inputShape: inputShape)
                result = result.replacing(scope + name, with: loaded)
            }
        }
        return result
    }

    /// The paths `specification` reads, with their scoped parameter names: files, and the
    /// directories of resources.
    public static func inputs(of specification: MethodSpecification, registry: MethodRegistry) -> [(parameter: String, path: String)] {
        registry.registrations(of: specification).flatMap { scope, registration, inner in
            inner.values.keys.sorted().compactMap { name -> (String, String)? in
                guard case .path(let path) = inner.values[name]!, let kind = registration.parameter(name)?.kind, kind.isFile else { return nil }
                if case .outputFile = kind { return nil }
                return (scope + name, path)
            }
        }
    }
}

/// A file a parameter names cannot be used: missing, unreadable, of the wrong shape, not finite.
public struct ParameterFileError: Error, CustomStringConvertible {
    /// What is wrong and how to fix it.
    public var description: String
    /// An error.
    public init(_ description: String) { self.description = description }
}
