namespace ReId.Core.Tracking;

/// <summary>The outcome of <see cref="LinearAssignment.Solve"/>; all lists are in ascending order.</summary>
public sealed record Assignment(
    IReadOnlyList<(int Row, int Column)> Matches,
    IReadOnlyList<int> UnmatchedRows,
    IReadOnlyList<int> UnmatchedColumns);

/// <summary>
/// Optimal one-to-one assignment of rows (tracks) to columns (detections) with a cost ceiling,
/// solved by <see cref="Hungarian"/>. Greedy matching is not enough for crowds: one early cheap
/// pair can force two expensive ones.
/// </summary>
public static class LinearAssignment
{
    /// <summary>
    /// Chooses the pairs that minimise Σ (cost - maxCost) over matched pairs, i.e. that maximise the
    /// total margin below the ceiling. A pair costing more than <paramref name="maxCost"/> (or
    /// infinite, or NaN) is never matched, and leaving a row and a column unmatched is always
    /// allowed. This is what ByteTrack's lapjv with cost_limit computes: cost is traded against
    /// matching more pairs, not minimised over a forced full assignment.
    /// </summary>
    public static Assignment Solve(double[,] cost, double maxCost)
    {
        if (!double.IsFinite(maxCost))
            throw new ArgumentOutOfRangeException(nameof(maxCost), maxCost, "the cost ceiling must be finite");
        int rows = cost.GetLength(0), columns = cost.GetLength(1);

        // Shifting allowed costs by -maxCost and setting forbidden ones to 0 turns "may stay
        // unmatched" into an ordinary full assignment of the smaller side: taking a 0 pair is the
        // same as not matching, and every allowed pair is worth taking unless it blocks a better one.
        bool transpose = rows > columns;
        int n = transpose ? columns : rows, m = transpose ? rows : columns;
        var shifted = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
            {
                double c = transpose ? cost[j, i] : cost[i, j];
                shifted[i, j] = c <= maxCost ? c - maxCost : 0;
            }

        int[] columnOf = Hungarian.Minimize(shifted); // n <= m: every row gets a column

        var matches = new List<(int Row, int Column)>();
        var rowMatched = new bool[rows];
        var columnMatched = new bool[columns];
        for (int i = 0; i < n; i++)
        {
            int j = columnOf[i];
            var (row, column) = transpose ? (j, i) : (i, j);
            if (!(cost[row, column] <= maxCost)) continue;
            matches.Add((row, column));
            rowMatched[row] = columnMatched[column] = true;
        }
        matches.Sort();
        return new Assignment(
            matches,
            Enumerable.Range(0, rows).Where(r => !rowMatched[r]).ToList(),
            Enumerable.Range(0, columns).Where(c => !columnMatched[c]).ToList());
    }
}
