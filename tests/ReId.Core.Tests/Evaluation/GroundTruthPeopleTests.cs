using ReId.Core.Evaluation;
using static ReId.Core.Tests.Evaluation.MotRows;

namespace ReId.Core.Tests.Evaluation;

public class GroundTruthPeopleTests
{
    private static IReadOnlyDictionary<int, string> Parse(string text) => GroundTruthPeople.Parse(new StringReader(text), "people.csv");

    [Fact]
    public void Reads_id_person_lines_and_skips_comments_and_blank_lines()
    {
        var people = Parse("# gt_id,person\n\n3, red jacket \n11,red jacket\n  # a note\n7,blue coat\n");
        Assert.Equal(3, people.Count);
        Assert.Equal("red jacket", people[3]);
        Assert.Equal(people[3], people[11]);
        Assert.Equal("blue coat", people[7]);
    }

    [Theory]
    [InlineData("3\n", "people.csv:1: expected 'gt_id,person'")]
    [InlineData("3,\n", "people.csv:1: expected 'gt_id,person'")]
    [InlineData("# x\nthree,alice\n", "people.csv:2: ground-truth id 'three' is not an integer")]
    [InlineData("3,alice\n3,alice\n", "people.csv:2: ground-truth id 3 is already given a person on line 1")]
    public void A_malformed_line_is_refused_with_its_line_number(string text, string message)
    {
        var ex = Assert.Throws<FormatException>(() => Parse(text));
        Assert.StartsWith(message, ex.Message);
    }

    [Fact]
    public void Check_accepts_ids_of_one_person_in_different_frames_and_names_the_first_contradiction()
    {
        // Id 1 in frames 1-2, id 3 (the same person, back) in frames 5-6, id 2 throughout.
        MotRow[] gt = [Box(1, 1, 0), Box(2, 1, 0), Box(5, 3, 0), Box(6, 3, 0), Box(1, 2, 50), Box(5, 2, 50), Box(6, 2, 50)];
        Assert.Null(GroundTruthPeople.Check(Parse("1,alice\n3,alice\n"), gt, "people.csv"));

        Assert.Contains("ground-truth ids 2 and 3 are both 'bob' but are both in frame 5",
            GroundTruthPeople.Check(Parse("2,bob\n3,bob\n"), gt, "people.csv"));
        Assert.Contains("ground-truth id 4 is not in the ground truth", GroundTruthPeople.Check(Parse("1,alice\n4,alice\n"), gt, "people.csv"));
    }
}
