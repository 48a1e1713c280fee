using System.Net;
using System.Net.Sockets;
using System.Text;
using OpenCvSharp;
using ReId.TestSupport;
using ReId.Vision.Sources;

namespace ReId.Vision.Tests;

[Collection(FfmpegCollection.Name)]
public sealed class FfmpegStreamSourceTests
{
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(30);

    [LiveFact]
    public async Task Reads_a_tcp_stream_frame_for_frame_as_OpenCV_decodes_the_file()
    {
        using var server = FfmpegServer.Tcp(loop: false);
        await server.WaitUntilListeningAsync();

        using var source = new FfmpegStreamSource(server.Url, "cam", OpenTimeout);
        var frames = ReadFrames(source, 12);
        try
        {
            AssertMatchesFile(source, frames, [0, 5, 11]);
        }
        finally
        {
            frames.ForEach(f => f.Dispose());
        }
    }

    [LiveFact]
    public async Task Reads_an_http_stream_opened_through_FrameSources()
    {
        using var server = FfmpegServer.Http(loop: false);
        await server.WaitUntilListeningAsync();

        using var source = FrameSources.Open(server.Url, "cam", networkTimeout: OpenTimeout);
        Assert.IsType<FfmpegStreamSource>(source);
        var frames = ReadFrames(source, 6);
        try
        {
            AssertMatchesFile(source, frames, [0, 5]);
        }
        finally
        {
            frames.ForEach(f => f.Dispose());
        }
    }

    [LiveFact]
    public void A_refused_connection_names_the_url_and_ffmpegs_reason()
    {
        string url = $"tcp://127.0.0.1:{FfmpegServer.FreePort()}";

        var ex = Assert.Throws<FrameSourceException>(() => new FfmpegStreamSource(url, "cam", OpenTimeout));

        Assert.Contains(url, ex.Message);
        Assert.Contains("Connection refused", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [LiveFact]
    public void Messages_never_show_the_cameras_password()
    {
        int port = FfmpegServer.FreePort();
        string url = $"http://admin:s3cret@127.0.0.1:{port}/live.ts";

        var ex = Assert.Throws<FrameSourceException>(() => new FfmpegStreamSource(url, "cam", OpenTimeout));

        Assert.DoesNotContain("s3cret", ex.Message);
        Assert.Contains($"http://admin:***@127.0.0.1:{port}/live.ts", ex.Message);
        Assert.Contains("Connection refused", ex.Message);
    }

    [Theory]
    [InlineData("rtsp://admin:s3cret@10.0.0.7:554/stream1", "rtsp://admin:***@10.0.0.7:554/stream1")]
    [InlineData("Input #0, rtsp, from 'rtsp://u:p@cam/x': and http://a:b@h/y", "Input #0, rtsp, from 'rtsp://u:***@cam/x': and http://a:***@h/y")]
    [InlineData("rtsp://token@cam/x", "rtsp://token@cam/x")]
    [InlineData("rtsp://cam:554/x", "rtsp://cam:554/x")]
    [InlineData("/videos/cam1.avi", "/videos/cam1.avi")]
    public void Redact_hides_url_passwords_only(string text, string expected) =>
        Assert.Equal(expected, FrameSources.Redact(text));

    [LiveFact]
    public async Task An_http_404_names_the_url_and_the_status()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        string url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/missing.ts";
        var serve = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var request = new byte[4096];
            _ = await stream.ReadAsync(request); // the request line and headers; any path gets 404
            await stream.WriteAsync("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
        });

        var ex = Assert.Throws<FrameSourceException>(() => new FfmpegStreamSource(url, "cam", OpenTimeout));
        await serve.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains(url, ex.Message);
        Assert.Contains("404", ex.Message);
    }

    [LiveFact]
    public void A_malformed_url_names_the_url_and_ffmpegs_reason()
    {
        const string url = "http://127.0.0.1:99999/x.ts"; // port out of range

        var ex = Assert.Throws<FrameSourceException>(() => new FfmpegStreamSource(url, "cam", OpenTimeout));

        Assert.Contains(url, ex.Message);
        Assert.Contains("Invalid argument", ex.Message);
    }

    [Fact]
    public void Missing_ffmpeg_says_how_to_install_it()
    {
        var ex = Assert.Throws<FrameSourceException>(() =>
            new FfmpegStreamSource("rtsp://127.0.0.1/cam", "cam", ffmpegPath: "/nonexistent/bin/ffmpeg"));

        Assert.Contains("apt-get install ffmpeg", ex.Message);
        Assert.Contains("rtsp://127.0.0.1/cam", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Unsupported_schemes_are_refused_with_the_supported_ones()
    {
        var ex = Assert.Throws<FrameSourceException>(() => FrameSources.Open("gopher://camera/1", "cam"));

        Assert.Contains("gopher://camera/1", ex.Message);
        Assert.Contains("rtsp://", ex.Message);
        Assert.True(FrameSources.IsNetworkStream("RTSP://cam/stream1"));
        Assert.False(FrameSources.IsNetworkStream("/videos/cam1.avi"));
        Assert.False(FrameSources.IsRecorded("srt://10.0.0.2:9000"));
        Assert.False(FrameSources.IsRecorded("/dev/video0"));
        Assert.True(FrameSources.IsRecorded("/videos/cam1.avi"));
    }

    [Theory]
    // ffmpeg 5.1's lines for a live MPEG-TS input and the raw output it decodes to: only the output's
    // counts, and its codec tag "0x18524742" must not be read as a size.
    [InlineData("  Stream #0:0[0x100]: Video: mpeg4 (Simple Profile) ([16][0][0][0] / 0x0010), yuv420p, 768x576 [SAR 1:1 DAR 4:3], 10 fps, 10 tbr, 90k tbn", 0, 0, 0)]
    [InlineData("  Stream #0:0: Video: rawvideo (BGR[24] / 0x18524742), bgr24(pc, gbr/unknown/unknown, progressive), 768x576 [SAR 1:1 DAR 4:3], q=2-31, 106168 kb/s, 10 fps, 10 tbn", 768, 576, 10)]
    [InlineData("  Stream #0:0: Video: rawvideo (BGR[24] / 0x18524742), bgr24, 1920x1080, q=2-31, 1492992 kb/s, 29.97 fps, 29.97 tbn", 1920, 1080, 29.97)]
    [InlineData("  Stream #0:0: Video: rawvideo (BGR[24] / 0x18524742), bgr24, 640x480, q=2-31", 640, 480, 25)]
    public void The_frame_size_comes_from_ffmpegs_output_stream_line(string line, int width, int height, double fps)
    {
        var info = FfmpegStreamSource.ParseOutputStream(line);

        if (width == 0) Assert.Null(info);
        else Assert.Equal(new FrameSourceInfo(width, height, fps, null), info);
    }

    [LiveFact]
    public async Task A_silent_peer_ends_the_read_after_the_network_timeout()
    {
        using var server = FfmpegServer.Tcp();
        await server.WaitUntilListeningAsync();
        using var source = new FfmpegStreamSource(server.Url, "cam", TimeSpan.FromSeconds(2));
        source.Read()!.Dispose();

        server.Pause();
        // Frames already in socket and pipe buffers still arrive; then ffmpeg's rw_timeout ends the stream.
        await Task.Run(() => ReadUntilEnd(source)).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Null(source.Read());
        Assert.Contains("timed out", source.LastErrorLine() ?? "", StringComparison.OrdinalIgnoreCase);
    }

    [LiveFact]
    public async Task Dispose_unblocks_a_read_waiting_on_a_stalled_stream_and_ends_ffmpeg()
    {
        using var server = FfmpegServer.Tcp();
        await server.WaitUntilListeningAsync();
        var source = new FfmpegStreamSource(server.Url, "cam", TimeSpan.FromSeconds(120));
        source.Read()!.Dispose();
        int pid = source.ProcessId;
        Assert.True(Directory.Exists($"/proc/{pid}"));

        server.Pause();
        var reading = Task.Run(() => ReadUntilEnd(source));
        await Task.Delay(TimeSpan.FromSeconds(2)); // buffered frames drain, then Read blocks (timeout is 120 s)
        Assert.False(reading.IsCompleted);

        source.Dispose();

        await reading.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(Directory.Exists($"/proc/{pid}"), "ffmpeg should be killed and reaped");
    }

    private static int ReadUntilEnd(IFrameSource source)
    {
        int n = 0;
        while (source.Read() is { } frame)
        {
            frame.Dispose();
            n++;
        }
        return n;
    }

    private static List<Frame> ReadFrames(IFrameSource source, int count)
    {
        var frames = new List<Frame>();
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        for (int i = 0; i < count; i++)
        {
            var frame = source.Read();
            Assert.True(frame is not null, $"stream ended after {i} frames");
            frames.Add(frame);
            Assert.Equal(i + 1, frame.Number);
            Assert.Equal("wallclock", frame.TimestampSource);
            Assert.InRange(frame.Timestamp, started, DateTimeOffset.UtcNow);
            Assert.Equal(MatType.CV_8UC3, frame.Image.Type());
        }
        return frames;
    }

    /// <summary>
    /// Each checked stream frame must be closest to the file frame of the same index (so nothing is
    /// skipped, repeated or reordered), and close in absolute terms (right size, BGR order, no
    /// stride errors); the re-encoding to MPEG-4 leaves a small difference.
    /// </summary>
    private static void AssertMatchesFile(IFrameSource source, List<Frame> frames, int[] check)
    {
        var file = Pixels.DecodeWithOpenCv(SampleFootage.VtestAvi, frames.Count + 8);
        try
        {
            Assert.Equal(file[0].Width, source.Info.Width);
            Assert.Equal(file[0].Height, source.Info.Height);
            Assert.Null(source.Info.FrameCount);
            foreach (int k in check)
            {
                Assert.Equal(file[0].Size(), frames[k].Image.Size());
                double[] mad = file.Select(f => Pixels.MeanAbsoluteDifference(frames[k].Image, f)).ToArray();
                int best = Array.IndexOf(mad, mad.Min());
                Assert.True(best == k, $"stream frame {k} is closest to file frame {best} (MAD {string.Join(", ", mad.Select(m => m.ToString("0.00")))})");
                Assert.True(mad[k] < 3.0, $"stream frame {k} differs from the file by MAD {mad[k]:0.00}");

                using var swapped = new Mat();
                Cv2.CvtColor(frames[k].Image, swapped, ColorConversionCodes.BGR2RGB);
                Assert.True(Pixels.MeanAbsoluteDifference(swapped, file[k]) > mad[k] + 2, "channel order should be BGR");
            }
        }
        finally
        {
            file.ForEach(m => m.Dispose());
        }
    }
}
