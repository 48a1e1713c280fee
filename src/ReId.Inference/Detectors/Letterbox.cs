using OpenCvSharp;
using ReId.Core.Geometry;

namespace ReId.Inference.Detectors;

/// <summary>
/// The letterbox YOLO models are trained with: the frame scaled to fit the network input with its
/// aspect ratio kept, centred, the rest padded with grey 114. The geometry follows Ultralytics'
/// <c>LetterBox(auto=False, scaleup=True)</c> and <c>scale_boxes</c> so boxes land where
/// <c>yolo predict</c> puts them.
/// </summary>
public readonly record struct Letterbox(
    int FrameWidth, int FrameHeight,
    int InputWidth, int InputHeight,
    double Scale,
    int ResizedWidth, int ResizedHeight,
    int PadLeft, int PadTop)
{
    public const byte PadValue = 114;

    public static Letterbox Fit(int frameWidth, int frameHeight, int inputWidth, int inputHeight)
    {
        if (frameWidth <= 0 || frameHeight <= 0)
            throw new ArgumentException($"cannot letterbox an empty {frameWidth}x{frameHeight} frame");
        if (inputWidth <= 0 || inputHeight <= 0)
            throw new ArgumentException($"network input {inputWidth}x{inputHeight} is empty");

        double scale = Math.Min((double)inputWidth / frameWidth, (double)inputHeight / frameHeight);
        // Python's round() (half to even), as Ultralytics sizes the resized image with it.
        int w = Math.Clamp((int)Math.Round(frameWidth * scale, MidpointRounding.ToEven), 1, inputWidth);
        int h = Math.Clamp((int)Math.Round(frameHeight * scale, MidpointRounding.ToEven), 1, inputHeight);
        // An odd padding puts the extra pixel at the bottom/right, as Ultralytics' round(d -/+ 0.1) does.
        return new Letterbox(frameWidth, frameHeight, inputWidth, inputHeight, scale, w, h,
            (inputWidth - w) / 2, (inputHeight - h) / 2);
    }

    /// <summary>Maps corners in network-input pixels back to frame pixels (not clipped).</summary>
    public Box ToFrame(float left, float top, float right, float bottom)
    {
        float s = (float)Scale;
        return Box.FromCorners((left - PadLeft) / s, (top - PadTop) / s, (right - PadLeft) / s, (bottom - PadTop) / s);
    }

    /// <summary>
    /// Writes <paramref name="bgr"/> letterboxed as one NCHW image: planes R, G, B in [0,1].
    /// OpenCV does the resize, split and scaling natively, straight into <paramref name="tensor"/>;
    /// only the padding is filled from managed code, a row span at a time.
    /// </summary>
    public unsafe void WriteTensor(Mat bgr, Span<float> tensor)
    {
        if (bgr.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"expected an 8-bit BGR image (CV_8UC3), got {bgr.Type()}");
        if (bgr.Width != FrameWidth || bgr.Height != FrameHeight)
            throw new ArgumentException(
                $"letterbox was fitted to {FrameWidth}x{FrameHeight} but the image is {bgr.Width}x{bgr.Height}");
        int plane = InputWidth * InputHeight;
        if (tensor.Length < 3 * plane)
            throw new ArgumentException($"tensor holds {tensor.Length} floats, need {3 * plane}");

        const float pad = PadValue / 255f;
        for (int c = 0; c < 3; c++) FillPadding(tensor.Slice(c * plane, plane), pad);

        Mat? resized = null;
        Mat[]? channels = null;
        try
        {
            Mat source = bgr;
            if (ResizedWidth != bgr.Width || ResizedHeight != bgr.Height)
            {
                resized = new Mat();
                // Linear even when shrinking: the model was trained on Ultralytics' INTER_LINEAR letterbox.
                Cv2.Resize(bgr, resized, new Size(ResizedWidth, ResizedHeight), 0, 0, InterpolationFlags.Linear);
                source = resized;
            }
            channels = Cv2.Split(source);
            var region = new Rect(PadLeft, PadTop, ResizedWidth, ResizedHeight);
            fixed (float* first = tensor)
            {
                for (int c = 0; c < 3; c++)
                {
                    using var planeMat = Mat.FromPixelData(InputHeight, InputWidth, MatType.CV_32FC1, (IntPtr)(first + c * plane));
                    using var roi = new Mat(planeMat, region);
                    // Tensor plane c is R, G, B; OpenCV's channel order is B, G, R. A ROI of the
                    // right size and type is written in place, never reallocated.
                    channels[2 - c].ConvertTo(roi, MatType.CV_32FC1, 1.0 / 255.0);
                }
            }
        }
        finally
        {
            if (channels is not null) foreach (var m in channels) m.Dispose();
            resized?.Dispose();
        }
    }

    private void FillPadding(Span<float> plane, float value)
    {
        int w = InputWidth;
        int bottom = PadTop + ResizedHeight;
        plane[..(PadTop * w)].Fill(value);
        plane[(bottom * w)..].Fill(value);
        int right = PadLeft + ResizedWidth;
        if (PadLeft == 0 && right == w) return;
        for (int y = PadTop; y < bottom; y++)
        {
            var row = plane.Slice(y * w, w);
            row[..PadLeft].Fill(value);
            row[right..].Fill(value);
        }
    }
}
