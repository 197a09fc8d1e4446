/// Ranks with ties: what the rank-based metrics (ROC-AUC, Spearman's ρ) share.
public enum RankStatistics {
    /// Ranks 1…n in ascending order of value, tied values sharing their mean rank.
    public static func midRanks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            for k in start...end { ranks[order[k]] = Double(start + end) / 2 + 1 }
            start = end + 1
        }
        return ranks
    }
}
