using ReId.Core.Gallery;

namespace ReId.Gallery.Tests;

/// <summary>What only the embedded gallery has: its file.</summary>
public sealed class EmbeddedGalleryFileTests : IDisposable
{
    private const int Dimension = 16;
    private const string Model = "reid-test-model@1";

    private readonly string _directory = Directory.CreateTempSubdirectory("reid-gallery-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Save_creates_the_folder_and_leaves_no_temporary_file()
    {
        string path = Path.Combine(_directory, "site-a", "nested", "gallery.bin");
        await using var gallery = new EmbeddedGallery(path);
        await gallery.EnsureReadyAsync(Dimension, default);
        await gallery.AddAsync(NewExemplar(new Random(1)), default);

        Assert.False(File.Exists(path));
        await gallery.SaveAsync(default);

        Assert.True(File.Exists(path));
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
        Assert.Equal("embedded:" + path, gallery.Describe);
    }

    [Fact]
    public async Task Changes_after_the_last_save_are_not_on_disk()
    {
        string path = Path.Combine(_directory, "gallery.bin");
        var random = new Random(2);
        await using (var gallery = new EmbeddedGallery(path))
        {
            await gallery.EnsureReadyAsync(Dimension, default);
            await gallery.AddAsync(NewExemplar(random), default);
            await gallery.SaveAsync(default);
            await gallery.AddAsync(NewExemplar(random), default);
        }

        await using var reopened = new EmbeddedGallery(path);
        await reopened.EnsureReadyAsync(Dimension, default);
        Assert.Equal(1, await reopened.CountAsync(default));
    }

    [Fact]
    public async Task A_file_that_is_not_a_gallery_is_refused_naming_the_file_and_the_fix()
    {
        string path = Path.Combine(_directory, "gallery.bin");
        await File.WriteAllTextAsync(path, "this is a camera configuration, not a gallery");

        GalleryUnavailableException refused = await OpenExpectingRefusal(path);

        Assert.Contains($"gallery file '{path}'", refused.Message);
        Assert.Contains("pass another --gallery-path or delete it", refused.Message);
    }

    [Fact]
    public async Task A_truncated_gallery_file_is_refused()
    {
        string path = await SavedGalleryAsync(exemplars: 20);
        byte[] whole = await File.ReadAllBytesAsync(path);
        await File.WriteAllBytesAsync(path, whole[..(whole.Length - 100)]);

        GalleryUnavailableException refused = await OpenExpectingRefusal(path);

        Assert.Contains("corrupt", refused.Message);
        Assert.Contains(path, refused.Message);
    }

    [Fact]
    public async Task A_gallery_file_with_bytes_appended_is_refused()
    {
        string path = await SavedGalleryAsync(exemplars: 3);
        await using (FileStream stream = File.Open(path, FileMode.Append))
            stream.Write([1, 2, 3, 4]);

        GalleryUnavailableException refused = await OpenExpectingRefusal(path);

        Assert.Contains("corrupt", refused.Message);
    }

    [Fact]
    public async Task A_file_from_a_newer_format_asks_for_an_upgrade()
    {
        string path = await SavedGalleryAsync(exemplars: 1);
        byte[] bytes = await File.ReadAllBytesAsync(path);
        BitConverter.TryWriteBytes(bytes.AsSpan(8, 4), 99);
        await File.WriteAllBytesAsync(path, bytes);

        GalleryUnavailableException refused = await OpenExpectingRefusal(path);

        Assert.Contains("format version 99", refused.Message);
        Assert.Contains("upgrade", refused.Message);
    }

    private async Task<string> SavedGalleryAsync(int exemplars)
    {
        string path = Path.Combine(_directory, "gallery.bin");
        var random = new Random(3);
        await using var gallery = new EmbeddedGallery(path);
        await gallery.EnsureReadyAsync(Dimension, default);
        for (int i = 0; i < exemplars; i++)
            await gallery.AddAsync(NewExemplar(random), default);
        await gallery.SaveAsync(default);
        return path;
    }

    private static async Task<GalleryUnavailableException> OpenExpectingRefusal(string path)
    {
        await using var gallery = new EmbeddedGallery(path);
        GalleryUnavailableException refused =
            await Assert.ThrowsAsync<GalleryUnavailableException>(() => gallery.EnsureReadyAsync(Dimension, default));
        Assert.DoesNotContain('\n', refused.Message);
        return refused;
    }

    private static Exemplar NewExemplar(Random random) =>
        new(Guid.NewGuid(), $"person-{random.Next(100)}", TestVectors.RandomUnit(random, Dimension), "cam-1",
            DateTimeOffset.UnixEpoch.AddDays(20000), Model);
}
