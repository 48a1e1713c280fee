using System.Globalization;
using System.Net;
using System.Text;
using OpenCvSharp;
using ReId.Vision.Imaging;

namespace ReIdWorker.Replay;

/// <summary>
/// report.html: one self-contained page (crops embedded as JPEG data URIs, timelines as inline SVG)
/// with a card per global identity: its crops, the cameras and time ranges where it was seen, and
/// counts. Opens in any browser, can be mailed or archived without the rest of the output folder.
/// </summary>
public static class IdentityReport
{
    private const int TimelineWidth = 720, RowHeight = 18, LabelWidth = 110;

    public static void Write(string path, ReplaySummary summary, IReadOnlyList<IdentityEntry> identities)
    {
        var cameras = summary.Cameras.Select(c => c.CameraId).ToList();
        var sightings = identities.SelectMany(i => i.Sightings).ToList();
        DateTimeOffset start = sightings.Count > 0 ? sightings.Min(s => s.From) : DateTimeOffset.UnixEpoch;
        DateTimeOffset end = sightings.Count > 0 ? sightings.Max(s => s.To) : start;
        double span = Math.Max(1e-3, (end - start).TotalSeconds);

        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>ReIdWorker replay report</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:24px;background:#f4f4f6;color:#222}
            h1{font-size:22px;margin:0 0 4px} .meta{color:#555;margin-bottom:18px}
            .card{background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002;padding:12px 16px;margin:0 0 14px;border-left:8px solid var(--c)}
            .card h2{font-size:17px;margin:0 0 2px} .counts{color:#555;font-size:13px;margin-bottom:8px}
            .crops img{height:128px;width:64px;object-fit:cover;margin:0 4px 4px 0;border-radius:3px}
            svg text{font-size:11px;fill:#444} table{border-collapse:collapse;font-size:13px} td,th{padding:2px 10px 2px 0;text-align:left}
            </style></head><body>
            """);
        html.Append("<h1>Replay report</h1><div class=\"meta\">")
            .Append(Enc($"{summary.Frames} frames from {cameras.Count} camera(s) ({string.Join(", ", cameras)}); "))
            .Append(Enc($"{summary.Tracks} tracks, {summary.Identities} identities, {summary.Events} events; "))
            .Append(Enc($"model {summary.Model} on {summary.ExecutionProvider}, detector {summary.Detector}; "))
            .Append(Enc(string.Create(CultureInfo.InvariantCulture, $"{summary.WallSeconds:0.0} s ({summary.Throughput.EndToEndFps:0.0} frames/s)")))
            .Append("<br>").Append(Enc($"time range {Utc(start)} to {Utc(end)}")).Append("</div>\n");

        foreach (var id in identities)
        {
            var colour = TrackAnnotator.ColourFor(id.PersonId);
            string css = $"rgb({(int)colour.Val2},{(int)colour.Val1},{(int)colour.Val0})";
            html.Append($"<section class=\"card\" id=\"{Enc(id.PersonId)}\" style=\"--c:{css}\">")
                .Append($"<h2>{Enc(id.PersonId)}</h2>")
                .Append("<div class=\"counts\">")
                .Append(Enc($"{id.Tracks} track(s) in {id.Cameras.Count()} camera(s): {string.Join(", ", id.Cameras)}"))
                .Append(id.FirstSeen is { } f && id.LastSeen is { } l ? Enc($"; seen {Utc(f)} to {Utc(l)}") : "")
                .Append("</div><div class=\"crops\">");
            foreach (var crop in id.Crops)
                html.Append("<img alt=\"crop\" src=\"data:image/jpeg;base64,").Append(Jpeg(crop)).Append("\">");
            html.Append("</div>");
            html.Append(Timeline(id, cameras, start, span, css));
            html.Append("</section>\n");
        }
        html.Append("</body></html>\n");
        File.WriteAllText(path, html.ToString());
    }

    /// <summary>One row per camera, one bar per sighting, on the replay's common time axis.</summary>
    private static string Timeline(IdentityEntry id, IReadOnlyList<string> cameras, DateTimeOffset start, double span, string css)
    {
        var c = CultureInfo.InvariantCulture;
        int height = cameras.Count * RowHeight + 4;
        var svg = new StringBuilder();
        svg.Append(c, $"<svg class=\"timeline\" width=\"{LabelWidth + TimelineWidth}\" height=\"{height}\" role=\"img\" aria-label=\"timeline\">");
        for (int row = 0; row < cameras.Count; row++)
        {
            int y = row * RowHeight + 2;
            svg.Append(c, $"<text x=\"0\" y=\"{y + 12}\">{Enc(cameras[row])}</text>");
            svg.Append(c, $"<rect x=\"{LabelWidth}\" y=\"{y + 6}\" width=\"{TimelineWidth}\" height=\"2\" fill=\"#ddd\"/>");
            foreach (var s in id.Sightings.Where(s => s.CameraId == cameras[row]))
            {
                double x0 = LabelWidth + (s.From - start).TotalSeconds / span * TimelineWidth;
                double w = Math.Max(2, (s.To - s.From).TotalSeconds / span * TimelineWidth);
                svg.Append(c, $"<rect class=\"sighting\" x=\"{x0:0.#}\" y=\"{y}\" width=\"{w:0.#}\" height=\"14\" rx=\"3\" fill=\"{css}\">")
                   .Append(c, $"<title>{Enc($"track {s.TrackId}: {Utc(s.From)} to {Utc(s.To)}")}</title></rect>");
            }
        }
        return svg.Append("</svg>").ToString();
    }

    private static string Jpeg(Mat crop)
    {
        Cv2.ImEncode(".jpg", crop, out byte[] bytes, [(int)ImwriteFlags.JpegQuality, 85]);
        return Convert.ToBase64String(bytes);
    }

    private static string Utc(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Enc(string s) => WebUtility.HtmlEncode(s);
}
