using OpenCvSharp;

namespace ReId.Vision.Synthetic;

/// <summary>
/// A drawn person: colour image and silhouette mask of the same size, with the point between the feet
/// (<see cref="Feet"/>) that is placed on the ground. Owns both Mats.
/// </summary>
public sealed class PersonSprite(Mat image, Mat mask, Point feet) : IDisposable
{
    public Mat Image { get; } = image;
    public Mat Mask { get; } = mask;
    public Point Feet { get; } = feet;

    public void Dispose()
    {
        Image.Dispose();
        Mask.Dispose();
    }
}
