using OpenCvSharp;
using ReId.Core.Geometry;
using ReId.Core.Models;

namespace ReId.Vision.Imaging;

/// <summary>
/// Turns a person box of a BGR frame into the embedding model's input: resized to the model's
/// height x width, channels in the model's order, <c>(pixel * scale - mean) / std</c>, NCHW planes.
/// </summary>
public sealed class CropPreprocessor
{
    private readonly ModelMetadata _model;
    private readonly double[] _alpha = new double[3];
    private readonly double[] _beta = new double[3];
    private readonly int[] _sourceChannel = new int[3];

    public CropPreprocessor(ModelMetadata model)
    {
        _model = model;
        for (int c = 0; c < 3; c++)
        {
            // Folding scale, mean and std into one affine map lets ConvertTo do all of it in one
            // pass per plane. (Mat arithmetic with a Scalar operand is ~40x slower in this build.)
            _alpha[c] = model.PixelScale / model.Std[c];
            _beta[c] = -model.Mean[c] / model.Std[c];
            // Frames are BGR; plane c of an RGB model comes from frame channel 2 - c.
            _sourceChannel[c] = model.ChannelOrder == "RGB" ? 2 - c : c;
        }
    }

    public int Height => _model.InputHeight;
    public int Width => _model.InputWidth;
    /// <summary>Floats one crop occupies in the input tensor.</summary>
    public int CropLength => 3 * Height * Width;

    /// <summary>
    /// Writes the crop of <paramref name="box"/> (clipped to the frame) into
    /// <paramref name="destination"/>, which must hold <see cref="CropLength"/> floats.
    /// </summary>
    public unsafe void Write(Mat frame, Box box, Span<float> destination)
    {
        if (destination.Length < CropLength)
            throw new ArgumentException($"destination holds {destination.Length} floats, a crop needs {CropLength}");
        var rect = ToPixelRect(box, frame.Width, frame.Height);
        using var roi = new Mat(frame, rect);
        using var resized = new Mat();
        Cv2.Resize(roi, resized, new Size(Width, Height), 0, 0, InterpolationFlags.Linear);
        Cv2.Split(resized, out Mat[] planes);
        try
        {
            int plane = Height * Width;
            fixed (float* dst = destination)
            {
                for (int c = 0; c < 3; c++)
                {
                    // A Mat header over the tensor memory: ConvertTo writes straight into the tensor.
                    using var target = Mat.FromPixelData(Height, Width, MatType.CV_32FC1, (IntPtr)(dst + c * plane));
                    planes[_sourceChannel[c]].ConvertTo(target, MatType.CV_32FC1, _alpha[c], _beta[c]);
                }
            }
        }
        finally
        {
            foreach (var p in planes) p.Dispose();
        }
    }

    /// <summary>Whole pixels covering the box inside the frame; at least 1x1.</summary>
    public static Rect ToPixelRect(Box box, int frameWidth, int frameHeight)
    {
        var b = box.ClipTo(frameWidth, frameHeight);
        int x0 = Math.Clamp((int)MathF.Floor(b.X), 0, frameWidth - 1);
        int y0 = Math.Clamp((int)MathF.Floor(b.Y), 0, frameHeight - 1);
        int x1 = Math.Clamp((int)MathF.Ceiling(b.Right), x0 + 1, frameWidth);
        int y1 = Math.Clamp((int)MathF.Ceiling(b.Bottom), y0 + 1, frameHeight);
        return new Rect(x0, y0, x1 - x0, y1 - y0);
    }
}
