namespace ReId.Core;

/// <summary>
/// Minimum-cost assignment on a dense rectangular matrix (Kuhn-Munkres with potentials, O(n^2 m)), the
/// counterpart of scipy's <c>linear_sum_assignment</c> the reference evaluators call. Every row is assigned
/// when rows &lt;= columns and every column otherwise; callers discard pairs whose score says "no match".
/// The one assignment solver of the project: the MOT metrics and the tracker's association
/// (<see cref="Tracking.LinearAssignment"/>) both use it, and its tests check it against brute force.
/// </summary>
public static class Hungarian
{
    /// <summary>Minimises the summed cost; returns, for each row, its column or -1.</summary>
    public static int[] Minimize(double[,] cost)
    {
        int rows = cost.GetLength(0), cols = cost.GetLength(1);
        var rowToCol = new int[rows];
        Array.Fill(rowToCol, -1);
        if (rows == 0 || cols == 0) return rowToCol;

        if (rows <= cols)
        {
            var colToRow = Solve(rows, cols, (i, j) => cost[i, j]);
            for (int j = 0; j < cols; j++)
                if (colToRow[j] >= 0) rowToCol[colToRow[j]] = j;
        }
        else
        {
            // The solver needs rows <= columns: solve the transpose, whose "columns" are our rows.
            var rowOfTransposed = Solve(cols, rows, (i, j) => cost[j, i]);
            for (int r = 0; r < rows; r++)
                if (rowOfTransposed[r] >= 0) rowToCol[r] = rowOfTransposed[r];
        }
        return rowToCol;
    }

    /// <summary>Maximises the summed score; returns, for each row, its column or -1.</summary>
    public static int[] Maximize(double[,] score)
    {
        int rows = score.GetLength(0), cols = score.GetLength(1);
        var negated = new double[rows, cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                negated[i, j] = -score[i, j];
        return Minimize(negated);
    }

    /// <summary>n rows, m &gt;= n columns; returns for each column its row or -1.</summary>
    private static int[] Solve(int n, int m, Func<int, int, double> a)
    {
        // 1-based potentials formulation: u (rows), v (columns), p[j] = row matched to column j, column 0 is a sentinel.
        var u = new double[n + 1];
        var v = new double[m + 1];
        var p = new int[m + 1];
        var way = new int[m + 1];
        var minv = new double[m + 1];
        var used = new bool[m + 1];
        for (int i = 1; i <= n; i++)
        {
            p[0] = i;
            int j0 = 0;
            Array.Fill(minv, double.PositiveInfinity);
            Array.Fill(used, false);
            do
            {
                used[j0] = true;
                int i0 = p[j0], j1 = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= m; j++)
                {
                    if (used[j]) continue;
                    double cur = a(i0 - 1, j - 1) - u[i0] - v[j];
                    if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
                    if (minv[j] < delta) { delta = minv[j]; j1 = j; }
                }
                for (int j = 0; j <= m; j++)
                {
                    if (used[j]) { u[p[j]] += delta; v[j] -= delta; }
                    else minv[j] -= delta;
                }
                j0 = j1;
            } while (p[j0] != 0);
            do
            {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        var colToRow = new int[m];
        for (int j = 1; j <= m; j++) colToRow[j - 1] = p[j] - 1;
        return colToRow;
    }
}
