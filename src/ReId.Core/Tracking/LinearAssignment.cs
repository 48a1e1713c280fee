namespace ReId.Core.Tracking;

/// <summary>The outcome of <see cref="LinearAssignment.Solve"/>; all lists are in ascending order.</summary>
public sealed record Assignment(
    IReadOnlyList<(int Row, int Column)> Matches,
    IReadOnlyList<int> UnmatchedRows,
    IReadOnlyList<int> UnmatchedColumns);

/// <summary>
/// Optimal one-to-one assignment of rows (tracks) to columns (detections) with a cost ceiling, in
/// O(n²·m) by shortest augmenting paths with potentials (the Hungarian method in its
/// Jonker-Volgenant form). Greedy matching is not enough for crowds: one early cheap pair can force
/// two expensive ones.
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

        int[] columnOf = AssignRows(shifted);

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

    /// <summary>
    /// Minimum-cost assignment of every row of an n x m matrix (n ≤ m) to a distinct column; returns
    /// each row's column. Rows are added one at a time, each by a Dijkstra-like search for the
    /// cheapest augmenting path in reduced costs; the potentials keep those costs non-negative.
    /// </summary>
    private static int[] AssignRows(double[,] cost)
    {
        int n = cost.GetLength(0), m = cost.GetLength(1);
        // 1-based with column 0 as the virtual start of each search, which keeps the loop compact.
        var rowPotential = new double[n + 1];
        var columnPotential = new double[m + 1];
        var rowOfColumn = new int[m + 1];
        var previous = new int[m + 1];
        var slack = new double[m + 1];
        var visited = new bool[m + 1];

        for (int row = 1; row <= n; row++)
        {
            rowOfColumn[0] = row;
            int column = 0;
            Array.Fill(slack, double.PositiveInfinity);
            Array.Clear(visited);
            do
            {
                visited[column] = true;
                int i = rowOfColumn[column];
                double delta = double.PositiveInfinity;
                int next = 0;
                for (int j = 1; j <= m; j++)
                {
                    if (visited[j]) continue;
                    double reduced = cost[i - 1, j - 1] - rowPotential[i] - columnPotential[j];
                    if (reduced < slack[j]) { slack[j] = reduced; previous[j] = column; }
                    if (slack[j] < delta) { delta = slack[j]; next = j; }
                }
                for (int j = 0; j <= m; j++)
                {
                    if (visited[j]) { rowPotential[rowOfColumn[j]] += delta; columnPotential[j] -= delta; }
                    else slack[j] -= delta;
                }
                column = next;
            } while (rowOfColumn[column] != 0);

            // Flip the augmenting path back to the start.
            do
            {
                int before = previous[column];
                rowOfColumn[column] = rowOfColumn[before];
                column = before;
            } while (column != 0);
        }

        var columnOfRow = new int[n];
        for (int j = 1; j <= m; j++)
            if (rowOfColumn[j] != 0) columnOfRow[rowOfColumn[j] - 1] = j - 1;
        return columnOfRow;
    }
}
