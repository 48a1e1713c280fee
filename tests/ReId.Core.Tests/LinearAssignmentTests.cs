using ReId.Core.Tracking;

namespace ReId.Core.Tests;

public class LinearAssignmentTests
{
    [Fact]
    public void Finds_the_optimum_where_greedy_takes_the_cheapest_pair_first()
    {
        // Greedy: (0,0)+(1,1) = 0.1+0.9. Optimal: (0,1)+(1,0) = 0.2+0.15.
        var result = LinearAssignment.Solve(new[,] { { 0.1, 0.2 }, { 0.15, 0.9 } }, maxCost: 1);
        Assert.Equal([(0, 1), (1, 0)], result.Matches);
        Assert.Empty(result.UnmatchedRows);
        Assert.Empty(result.UnmatchedColumns);
    }

    [Fact]
    public void Never_matches_a_pair_above_the_ceiling()
    {
        var result = LinearAssignment.Solve(new[,] { { 0.3, 0.9 }, { double.PositiveInfinity, 0.6 } }, maxCost: 0.5);
        Assert.Equal([(0, 0)], result.Matches);
        Assert.Equal([1], result.UnmatchedRows);
        Assert.Equal([1], result.UnmatchedColumns);
    }

    [Fact]
    public void Trades_cost_against_the_number_of_pairs_as_bytetrack_does()
    {
        // With ceiling 0.5 the margins are 0.5 for (0,0) alone versus 0.05 + 0.05 for the two
        // near-ceiling pairs: one confident pair beats two doubtful ones.
        var result = LinearAssignment.Solve(new[,] { { 0.0, 0.45 }, { 0.45, 1.0 } }, maxCost: 0.5);
        Assert.Equal([(0, 0)], result.Matches);
        Assert.Equal([1], result.UnmatchedRows);
        Assert.Equal([1], result.UnmatchedColumns);
    }

    [Fact]
    public void Handles_empty_sides()
    {
        var none = LinearAssignment.Solve(new double[0, 0], 0.8);
        Assert.Empty(none.Matches);
        var noRows = LinearAssignment.Solve(new double[0, 3], 0.8);
        Assert.Equal([0, 1, 2], noRows.UnmatchedColumns);
        var noColumns = LinearAssignment.Solve(new double[2, 0], 0.8);
        Assert.Equal([0, 1], noColumns.UnmatchedRows);
    }

    [Fact]
    public void Rejects_an_infinite_ceiling()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LinearAssignment.Solve(new double[1, 1], double.PositiveInfinity));
    }

    [Fact]
    public void Square_matrices_without_a_binding_ceiling_get_the_cheapest_permutation()
    {
        var random = new Random(1234);
        for (int trial = 0; trial < 200; trial++)
        {
            int n = 1 + trial % 7;
            var cost = RandomCosts(random, n, n, infinityRate: 0);
            var result = LinearAssignment.Solve(cost, maxCost: 10);
            AssertValid(cost, 10, result);
            Assert.Equal(n, result.Matches.Count);
            double best = Permutations(n).Min(p => Enumerable.Range(0, n).Sum(i => cost[i, p[i]]));
            Assert.Equal(best, result.Matches.Sum(m => cost[m.Row, m.Column]), 9);
        }
    }

    [Fact]
    public void Rectangular_matrices_with_a_ceiling_match_brute_force_over_all_partial_matchings()
    {
        var random = new Random(5678);
        double[] ceilings = [0.3, 0.6, 0.9];
        for (int trial = 0; trial < 300; trial++)
        {
            int rows = 1 + random.Next(7), columns = 1 + random.Next(7);
            double ceiling = ceilings[trial % ceilings.Length];
            var cost = RandomCosts(random, rows, columns, infinityRate: 0.15);
            var result = LinearAssignment.Solve(cost, ceiling);
            AssertValid(cost, ceiling, result);
            double best = BestMargin(cost, ceiling, row: 0, usedColumns: new bool[columns]);
            Assert.Equal(best, result.Matches.Sum(m => cost[m.Row, m.Column] - ceiling), 9);
        }
    }

    private static double[,] RandomCosts(Random random, int rows, int columns, double infinityRate)
    {
        var cost = new double[rows, columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
                cost[i, j] = random.NextDouble() < infinityRate ? double.PositiveInfinity : random.NextDouble();
        return cost;
    }

    /// <summary>The objective by definition: each row either stays unmatched or takes a free column under the ceiling.</summary>
    private static double BestMargin(double[,] cost, double ceiling, int row, bool[] usedColumns)
    {
        if (row == cost.GetLength(0)) return 0;
        double best = BestMargin(cost, ceiling, row + 1, usedColumns);
        for (int j = 0; j < usedColumns.Length; j++)
        {
            if (usedColumns[j] || !(cost[row, j] <= ceiling)) continue;
            usedColumns[j] = true;
            best = Math.Min(best, cost[row, j] - ceiling + BestMargin(cost, ceiling, row + 1, usedColumns));
            usedColumns[j] = false;
        }
        return best;
    }

    private static IEnumerable<int[]> Permutations(int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        // Heap's algorithm, iterative.
        var c = new int[n];
        yield return (int[])p.Clone();
        for (int i = 0; i < n;)
        {
            if (c[i] < i)
            {
                int k = i % 2 == 0 ? 0 : c[i];
                (p[k], p[i]) = (p[i], p[k]);
                yield return (int[])p.Clone();
                c[i]++;
                i = 0;
            }
            else c[i++] = 0;
        }
    }

    private static void AssertValid(double[,] cost, double ceiling, Assignment result)
    {
        int rows = cost.GetLength(0), columns = cost.GetLength(1);
        Assert.All(result.Matches, m => Assert.True(cost[m.Row, m.Column] <= ceiling));
        Assert.Equal(result.Matches.Count, result.Matches.Select(m => m.Row).Distinct().Count());
        Assert.Equal(result.Matches.Count, result.Matches.Select(m => m.Column).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, rows), result.Matches.Select(m => m.Row).Concat(result.UnmatchedRows).Order());
        Assert.Equal(Enumerable.Range(0, columns), result.Matches.Select(m => m.Column).Concat(result.UnmatchedColumns).Order());
    }
}
