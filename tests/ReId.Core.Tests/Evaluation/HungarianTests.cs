using ReId.Core.Evaluation;

namespace ReId.Core.Tests.Evaluation;

public class HungarianTests
{
    [Fact]
    public void Finds_the_classic_optimum()
    {
        // Rows 0 and 1 both want column 1; the optimum (total 5) gives it to row 0 and row 1 takes column 0.
        double[,] cost = { { 4, 1, 3 }, { 2, 0, 5 }, { 3, 2, 2 } };
        Assert.Equal([1, 0, 2], Hungarian.Minimize(cost));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    [InlineData(2, 5)]
    [InlineData(5, 2)]
    [InlineData(6, 6)]
    [InlineData(4, 7)]
    public void Matches_brute_force_on_random_matrices(int rows, int cols)
    {
        var random = new Random(rows * 31 + cols);
        for (int trial = 0; trial < 50; trial++)
        {
            var cost = new double[rows, cols];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    cost[i, j] = Math.Round(random.NextDouble() * 10, 2) - 5;

            var assignment = Hungarian.Minimize(cost);

            int expectedAssigned = Math.Min(rows, cols);
            Assert.Equal(expectedAssigned, assignment.Count(c => c >= 0));
            Assert.Equal(expectedAssigned, assignment.Where(c => c >= 0).Distinct().Count());
            double total = assignment.Select((c, r) => c >= 0 ? cost[r, c] : 0).Sum();
            Assert.Equal(BruteForceMinimum(cost), total, 9);
        }
    }

    [Fact]
    public void Empty_matrices_assign_nothing()
    {
        Assert.Empty(Hungarian.Minimize(new double[0, 3]));
        Assert.Equal([-1, -1], Hungarian.Minimize(new double[2, 0]));
    }

    private static double BruteForceMinimum(double[,] cost)
    {
        int rows = cost.GetLength(0), cols = cost.GetLength(1);
        bool transpose = rows > cols;
        int n = Math.Min(rows, cols), m = Math.Max(rows, cols);
        double At(int i, int j) => transpose ? cost[j, i] : cost[i, j];
        double best = double.PositiveInfinity;
        var used = new bool[m];
        void Search(int i, double sum)
        {
            if (i == n) { best = Math.Min(best, sum); return; }
            for (int j = 0; j < m; j++)
            {
                if (used[j]) continue;
                used[j] = true;
                Search(i + 1, sum + At(i, j));
                used[j] = false;
            }
        }
        Search(0, 0);
        return best;
    }
}
