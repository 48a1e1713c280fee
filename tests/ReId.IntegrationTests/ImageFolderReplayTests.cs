using OpenCvSharp;
using ReId.TestSupport;

namespace ReId.IntegrationTests;

public class ImageFolderReplayTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reid-folder-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_folder_of_frames_replays_like_a_video_with_nominal_timestamps()
    {
        string frames = Path.Combine(_dir, "img1");
        Directory.CreateDirectory(frames);
        using (var capture = new VideoCapture(SampleFootage.VtestAvi))
        using (var mat = new Mat())
            for (int i = 1; i <= 12 && capture.Read(mat); i++)
                Cv2.ImWrite(Path.Combine(frames, $"{i:000000}.jpg"), mat);

        string outDir = Path.Combine(_dir, "out");
        var r = ReidProcess.Run(TimeSpan.FromMinutes(2), "replay", frames, "--out", outDir, "--start-time", "2020-01-01T00:00:00Z");
        Assert.True(r.ExitCode == 0, r.ToString());
        var output = new ReplayOutput(outDir);
        Assert.Equal(12, output.Summary.GetProperty("frames").GetInt32());
        Assert.Equal("img1", output.Summary.GetProperty("cameras")[0].GetProperty("cameraId").GetString());
        // 25 frames/s nominal: frame N is at (N-1) * 40 ms.
        Assert.All(output.Events, e => Assert.Equal(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMilliseconds((e.Frame - 1) * 40), e.Timestamp));
    }
}
