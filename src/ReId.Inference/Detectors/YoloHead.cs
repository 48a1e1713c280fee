using ReId.Core.Geometry;

namespace ReId.Inference.Detectors;

/// <summary>How the candidates of a raw YOLO head are laid out in its output tensor.</summary>
public enum YoloHeadLayout
{
    /// <summary><c>[1, 4+C, N]</c>: what Ultralytics YOLOv8/YOLO11 exports (e.g. [1,84,8400]).</summary>
    FeaturesFirst,
    /// <summary><c>[1, N, 4+C]</c>: the same values transposed, as some conversion tools emit them.</summary>
    CandidatesFirst,
}

/// <summary>
/// A raw (pre-NMS) YOLO detection head: per candidate cx, cy, w, h in network-input pixels, then
/// one score per class (no objectness). Some heads carry more values after the class scores
/// (mask coefficients of -seg models, keypoints of -pose models); they are ignored when the
/// class count is known from the model's metadata.
/// </summary>
public readonly record struct YoloHead(YoloHeadLayout Layout, int Features, int Candidates, int ClassCount)
{
    public const int BoxValues = 4;

    /// <summary>
    /// Reads the head from an output shape. The axis with fewer entries is the feature axis (a head
    /// has thousands of candidates and tens of classes); on a tie Ultralytics' [1,4+C,N] is assumed.
    /// Returns null with a reason when the shape cannot be such a head.
    /// </summary>
    public static YoloHead? FromShape(IReadOnlyList<long> shape, int? declaredClassCount, out string reason)
    {
        if (shape.Count != 3 || shape[0] != 1 || shape[1] <= 0 || shape[2] <= 0)
        {
            reason = "is not a YOLO detection head [1,4+classes,N]";
            return null;
        }
        var layout = shape[1] <= shape[2] ? YoloHeadLayout.FeaturesFirst : YoloHeadLayout.CandidatesFirst;
        int features = (int)Math.Min(shape[1], shape[2]);
        int candidates = (int)Math.Max(shape[1], shape[2]);
        if (features < BoxValues + 1)
        {
            reason = $"has {features} values per candidate, fewer than a YOLO detection head's 4 box values plus class scores";
            return null;
        }
        int classes = declaredClassCount ?? features - BoxValues;
        if (classes < 1 || BoxValues + classes > features)
        {
            // A head that is too narrow for the classes the model declares is an end-to-end export
            // (final [x1,y1,x2,y2,score,class] rows), not a raw head: decoding it as one gives garbage.
            reason = $"has {features} values per candidate but the model declares {classes} classes " +
                     $"(a raw head has {BoxValues}+{classes}); it looks like an end-to-end or nms=True export";
            return null;
        }
        reason = "";
        return new YoloHead(layout, features, candidates, classes);
    }

    /// <summary>
    /// The candidates whose best class is <paramref name="personClass"/> with a score of at least
    /// <paramref name="scoreThreshold"/>, in frame pixels, clipped to the frame, before NMS.
    /// Like <c>yolo predict classes=0</c>, a box another class scores higher is not a person.
    /// </summary>
    public List<Detection> Decode(ReadOnlySpan<float> output, int personClass, float scoreThreshold, Letterbox letterbox)
    {
        if (output.Length != Features * Candidates)
            throw new ArgumentException($"head output holds {output.Length} values, expected {Features}x{Candidates}");
        if ((uint)personClass >= (uint)ClassCount)
            throw new ArgumentOutOfRangeException(nameof(personClass), $"class {personClass} is not among the head's {ClassCount} classes");

        // value(feature f, candidate i) = output[i * step + f * stride]
        (int stride, int step) = Layout == YoloHeadLayout.FeaturesFirst ? (Candidates, 1) : (1, Features);
        int personOffset = (BoxValues + personClass) * stride;
        var found = new List<Detection>();
        for (int i = 0; i < Candidates; i++)
        {
            int at = i * step;
            float score = output[at + personOffset];
            if (!(score >= scoreThreshold)) continue; // also drops NaN
            if (!IsBestClass(output, at, stride, personClass, score)) continue;

            float cx = output[at], cy = output[at + stride];
            float halfW = output[at + 2 * stride] / 2f, halfH = output[at + 3 * stride] / 2f;
            var box = letterbox.ToFrame(cx - halfW, cy - halfH, cx + halfW, cy + halfH)
                .ClipTo(letterbox.FrameWidth, letterbox.FrameHeight);
            if (box.Area > 0) found.Add(new Detection(box, score));
        }
        return found;
    }

    private bool IsBestClass(ReadOnlySpan<float> output, int at, int stride, int personClass, float score)
    {
        for (int c = 0; c < ClassCount; c++)
            if (c != personClass && output[at + (BoxValues + c) * stride] > score)
                return false;
        return true;
    }
}
