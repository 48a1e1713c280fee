using System.Globalization;
using OpenCvSharp;
using ReId.Vision.Synthetic;
using ReIdTrainer.Cli;
using ReIdTrainer.Data;

namespace ReId.Trainer.Tests.Data;

/// <summary>Two small rendered scenes (the generator the worker's benchmark uses) cut into a Market-1501 set.</summary>
public sealed class SceneCropsFixture : IDisposable
{
    private readonly TempFolder _dir = new();
    public string[] Scenes { get; }
    public string Output => _dir.Path("crops");
    public SceneCropsSummary Summary { get; }
    public static readonly SceneCropsOptions Options = new(TestScenes: 1, Every: 5, MaxPerCamera: 4, MinVisibility: 0.8f, MinHeight: 64);

    public SceneCropsFixture()
    {
        Scenes = [_dir.Path("seed7"), _dir.Path("seed8")];
        foreach (var (path, seed) in Scenes.Zip([7, 8]))
            SceneGenerator.Write(new SceneOptions { Cameras = 2, People = 4, Frames = 120, Width = 480, Height = 360, Seed = seed }, path);
        Summary = SceneCrops.Write(Scenes, Output, Options);
    }

    /// <summary>gt.txt rows of one scene camera as (frame, person) -> (box, visibility).</summary>
    public static Dictionary<(int Frame, int Person), (Rect Box, double Visibility)> GroundTruth(string scene, string camera) =>
        File.ReadLines(Path.Combine(scene, camera, "gt", "gt.txt")).Select(l => l.Split(',')).ToDictionary(
            f => (int.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture)),
            f => (new Rect(int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture),
                    int.Parse(f[4], CultureInfo.InvariantCulture), int.Parse(f[5], CultureInfo.InvariantCulture)),
                double.Parse(f[8], CultureInfo.InvariantCulture)));

    public void Dispose() => _dir.Dispose();
}

public class SceneCropsTests(SceneCropsFixture fx) : IClassFixture<SceneCropsFixture>
{
    [Fact]
    public void Every_crop_is_a_visible_ground_truth_box_of_the_person_its_name_says()
    {
        var market = Market1501Layout.Load(fx.Output);
        Assert.Equal(fx.Summary.TrainImages, market.Train.Count);
        Assert.NotEmpty(market.Train);
        // The first scene trains: its four people are identities 1-4, crops named after camera and frame.
        var gt = new[] { "cam1", "cam2" }.Select(c => SceneCropsFixture.GroundTruth(fx.Scenes[0], c)).ToArray();
        foreach (var image in market.Train)
        {
            var parts = Path.GetFileNameWithoutExtension(image.Path).Split('_');
            int person = int.Parse(parts[0], CultureInfo.InvariantCulture);
            int frame = int.Parse(parts[2], CultureInfo.InvariantCulture);
            Assert.InRange(person, 1, 4);
            var (box, visibility) = gt[image.CameraId!.Value - 1][(frame, person)];
            Assert.True(visibility >= SceneCropsFixture.Options.MinVisibility, $"{image.Path}: visibility {visibility}");
            Assert.True(box.Height >= SceneCropsFixture.Options.MinHeight);
            using var crop = Cv2.ImRead(image.Path);
            Assert.Equal((box.Width, box.Height), (crop.Width, crop.Height));
        }
    }

    [Fact]
    public void Crops_of_one_person_in_one_camera_are_spaced_and_capped()
    {
        var market = Market1501Layout.Load(fx.Output);
        foreach (var group in market.Train.Concat(market.Query).Concat(market.Gallery).GroupBy(i => (i.PersonId, i.CameraId)))
        {
            Assert.InRange(group.Count(), 1, SceneCropsFixture.Options.MaxPerCamera);
            var frames = group.Select(i => int.Parse(Path.GetFileName(i.Path).Split('_')[2], CultureInfo.InvariantCulture)).Order().ToList();
            Assert.All(frames.Zip(frames.Skip(1)), p => Assert.True(p.Second - p.First >= SceneCropsFixture.Options.Every, $"{group.Key}: frames {p.First}, {p.Second}"));
        }
    }

    [Fact]
    public void The_last_scene_gives_new_people_for_query_and_gallery_with_a_match_in_another_camera()
    {
        var market = Market1501Layout.Load(fx.Output);
        var trainPeople = market.Train.Select(i => i.PersonId).ToHashSet();
        Assert.NotEmpty(market.Query);
        Assert.Equal(fx.Summary.QueryImages, market.Query.Count);
        Assert.Equal(fx.Summary.GalleryImages, market.Gallery.Count);
        foreach (var query in market.Query)
        {
            Assert.DoesNotContain(query.PersonId, trainPeople);
            Assert.Contains(market.Gallery, g => g.PersonId == query.PersonId && g.CameraId != query.CameraId);
        }
        // One query per person and camera.
        Assert.All(market.Query.GroupBy(q => (q.PersonId, q.CameraId)), g => Assert.Single(g));
    }

    [Fact]
    public void A_folder_that_is_not_a_scene_is_named_in_the_error()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.Path("not-a-scene"));
        var e = Assert.Throws<TrainerException>(() =>
            SceneCrops.Write([fx.Scenes[0], dir.Path("not-a-scene")], dir.Path("out"), new SceneCropsOptions(TestScenes: 1)));
        Assert.Contains("not-a-scene", e.Message);
        Assert.Contains("identities.json", e.Message);
    }

    [Fact]
    public void Keeping_every_scene_for_testing_is_refused()
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<TrainerException>(() => SceneCrops.Write([fx.Scenes[0]], dir.Path("out"), new SceneCropsOptions(TestScenes: 1)));
        Assert.Contains("--test-scenes", e.Message);
    }
}
