using ReId.Core.Evaluation;

namespace ReId.Core.Tests.Evaluation;

public class MotChallengeFileTests
{
    private static IReadOnlyList<MotRow> Parse(string text) => MotChallengeFile.Parse(new StringReader(text), "seq/gt/gt.txt");

    [Fact]
    public void Reads_all_columns_with_commas_or_whitespace_and_skips_blank_lines()
    {
        var rows = Parse("1,2,10.5,20,30,40,0,7,0.25\r\n\n2 3 1 2 3 4\n3,4,5,6,7,8,0.9\n");

        Assert.Equal(3, rows.Count);
        Assert.Equal(new MotRow(1, 2, 10.5, 20, 30, 40, 0, 7, 0.25, 1), rows[0]);
        Assert.Equal(new MotRow(2, 3, 1, 2, 3, 4, 1, null, null, 3), rows[1]);
        Assert.Equal(0.9, rows[2].Conf);
        Assert.Null(rows[2].Class);
    }

    [Fact]
    public void Accepts_integral_ids_written_as_decimals()
    {
        var row = Parse("7.000,12.0,1,2,3,4,-1,-1,-1,-1").Single();
        Assert.Equal((7, 12), (row.Frame, row.Id));
    }

    [Theory]
    [InlineData("1,2,3,4,5", "expected at least 6 fields")]
    [InlineData("1,2,x,4,5,6", "x 'x' is not a number")]
    [InlineData("1.5,2,3,4,5,6", "frame '1.5' is not an integer")]
    [InlineData("1,2,3,4,5,NaN", "height 'NaN' is not a number")]
    public void A_malformed_line_names_the_file_the_line_and_the_problem(string badLine, string problem)
    {
        var error = Assert.Throws<FormatException>(() => Parse($"1,1,0,0,10,10\n{badLine}\n"));

        Assert.StartsWith("seq/gt/gt.txt:2: ", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void The_same_id_twice_in_a_frame_is_rejected_with_both_lines()
    {
        var error = Assert.Throws<FormatException>(() => Parse("1,5,0,0,10,10\n1,6,0,0,10,10\n1,5,3,3,10,10\n"));

        Assert.StartsWith("seq/gt/gt.txt:3: ", error.Message);
        Assert.Contains("id 5 appears twice in frame 1 (first on line 1)", error.Message);
    }

    [Fact]
    public void A_missing_file_names_the_path()
    {
        string path = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.txt");
        var error = Assert.Throws<FileNotFoundException>(() => MotChallengeFile.Read(path));
        Assert.Contains(path, error.Message);
    }
}
