import Attribution
import Evaluation

/// The command line's names for the library's parameters: parameter `name` is the flag
/// `--name`, a base's parameter `base.name` is `--base.name`. This is the only place a
/// parameter becomes a flag; the library's messages name parameters in backticks and are
/// translated here.
public enum CommandLineNames {
    /// The flag of a (scoped) parameter.
    public static func flag(_ parameter: String) -> String { "--\(parameter)" }

    /// A library message with every backticked parameter written as its flag.
    public static func translate(_ message: String) -> String {
        let parts = message.split(separator: "`", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3 else { return message }
        var result = parts[0]
        for i in stride(from: 1, to: parts.count, by: 2) {
            result += i + 1 < parts.count ? flag(parts[i]) + parts[i + 1] : "`" + parts[i]
        }
        return result
    }

    /// One help entry per parameter: usage, help and (accepted; default).
    static func entries(_ parameters: [ParameterDeclaration], prefix: String = "") -> [String] {
        func column(_ text: String) -> String { text.padding(toLength: max(22, text.count + 1), withPad: " ", startingAt: 0) }
        return parameters.flatMap { parameter -> [String] in
            let usage = parameter.kind == .flag ? flag(prefix + parameter.name) : "\(flag(prefix + parameter.name)) \(parameter.kind.placeholder)"
            return ["      \(column(usage)) \(translate(parameter.help))", "      \(String(repeating: " ", count: 22)) (\(translate(parameter.kind.accepted)); default \(translate(parameter.defaultDescription)))"]
        }
    }

    /// The methods and their parameters, as `attribute --help` lists them.
    public static func help(_ registry: MethodRegistry) -> String {
        registry.methods.flatMap { method -> [String] in
            var lines = ["  \(method.name.padding(toLength: max(20, method.name.count + 1), withPad: " ", startingAt: 0)) \(method.summary)"]
            lines += entries(method.parameters)
            return lines
        }.joined(separator: "\n")
    }

    /// The metrics and their parameters, as `attribute evaluate --help` lists them.
    public static func help(_ registry: MetricRegistry) -> String {
        registry.metrics.flatMap { metric -> [String] in
            let needs = [(MetricNeeds.model, "--model"), (.attribution, "--attribution"), (.mask, "--mask"), (.method, "--method"), (.reference, "--reference")]
                .filter { metric.needs.contains($0.0) }.map(\.1)
            var lines = ["  \(metric.name.padding(toLength: max(20, metric.name.count + 1), withPad: " ", startingAt: 0)) \(metric.summary)"]
            if !needs.isEmpty { lines.append("      reads \(needs.joined(separator: ", "))") }
            lines += entries(metric.parameters)
            return lines
        }.joined(separator: "\n")
    }

    /// Whether `name` (possibly scoped, `base.reversed`) is a flag parameter of some method or metric.
    public static func isFlag(_ name: String, methods: MethodRegistry, metrics: MetricRegistry? = nil) -> Bool {
        let bare = name.split(separator: ".").last.map(String.init) ?? name
        return methods.methods.contains { $0.parameter(bare)?.kind == .flag } || (metrics?.metrics.contains { $0.parameter(bare)?.kind == .flag } ?? false)
    }

    /// Whether `name` (possibly scoped) is a parameter of some method.
    public static func isParameter(_ name: String, methods: MethodRegistry) -> Bool {
        let bare = name.split(separator: ".").last.map(String.init) ?? name
        return methods.methods.contains { $0.parameter(bare) != nil }
    }
}
