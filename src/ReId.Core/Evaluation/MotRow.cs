namespace ReId.Core.Evaluation;

/// <summary>
/// One line of a MOTChallenge text file: <c>frame,id,x,y,w,h,conf,class,visibility[,...]</c>, box in pixels
/// (top-left corner plus size). Coordinates stay in double precision because the reference evaluators
/// compute IoU in float64 and a match at IoU 0.5 can hinge on the last digits.
/// </summary>
/// <param name="Conf">
/// Column 7. In ground truth it is the "consider" flag: 0 means the row is ignored. In predictions it is a
/// confidence and plays no part in scoring. 1 when the column is absent.
/// </param>
/// <param name="Class">Column 8 when present (MOT16/17/20 ground truth: class id; MOT15: world x or -1).</param>
/// <param name="Visibility">Column 9 when present (MOT16/17/20 ground truth: visible fraction).</param>
/// <param name="Line">1-based line number in the source file, for error messages.</param>
public sealed record MotRow(
    int Frame, int Id, double X, double Y, double Width, double Height,
    double Conf, double? Class, double? Visibility, int Line);
