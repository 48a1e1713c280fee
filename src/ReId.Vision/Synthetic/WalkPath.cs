namespace ReId.Vision.Synthetic;

/// <summary>Where a person is at one instant, on the ground plane (metres), and how far they have walked.</summary>
public readonly record struct WalkState(double X, double Y, double Vx, double Vy, double Distance)
{
    public bool Walking => Vx * Vx + Vy * Vy > 0.01;
}

/// <summary>
/// A person's walk over the ground plane: straight legs between waypoints at the person's own pace,
/// sometimes a pause, turning back at the ends of the world so everyone keeps passing from one
/// camera's view to the next. A companion walks beside a leader, offset across the walking direction,
/// which is what makes groups occlude each other for long stretches.
/// </summary>
public sealed class WalkPath
{
    private readonly record struct Leg(double T0, double T1, double X0, double Y0, double X1, double Y1, double D0);

    private readonly List<Leg> _legs = [];
    private readonly WalkPath? _leader;
    private readonly double _side;

    public int? LeaderId { get; }

    private WalkPath(WalkPath leader, int leaderId, double side)
    {
        _leader = leader;
        _side = side;
        LeaderId = leaderId;
    }

    private WalkPath() { }

    public static WalkPath Random(int seed, int personId, double xMin, double xMax, double depth, double duration)
    {
        var rng = new Random(SceneRandom.Mix(seed, personId, 0xA1C));
        var path = new WalkPath();
        double speed = 1.0 + 0.5 * rng.NextDouble();
        double x = xMin + (xMax - xMin) * rng.NextDouble(), y = 0.4 + (depth - 0.8) * rng.NextDouble();
        int dir = rng.Next(2) == 0 ? -1 : 1;
        double t = 0, d = 0;
        while (t <= duration + 1)
        {
            if (rng.NextDouble() < 0.1)
            {
                double pause = 1 + 2 * rng.NextDouble();
                path._legs.Add(new Leg(t, t + pause, x, y, x, y, d));
                t += pause;
                continue;
            }
            double nx = x + dir * (3 + 5 * rng.NextDouble());
            if (nx < xMin || nx > xMax)
            {
                nx = Math.Clamp(nx, xMin, xMax);
                dir = -dir;
            }
            double ny = Math.Clamp(y + (rng.NextDouble() * 2 - 1) * 3, 0.4, depth - 0.4);
            double length = Math.Max(0.1, Math.Sqrt((nx - x) * (nx - x) + (ny - y) * (ny - y)));
            path._legs.Add(new Leg(t, t + length / speed, x, y, nx, ny, d));
            t += length / speed;
            d += length;
            (x, y) = (nx, ny);
        }
        return path;
    }

    /// <summary>Walks beside <paramref name="leader"/>, <paramref name="side"/> metres to its left (negative: right).</summary>
    public static WalkPath Beside(WalkPath leader, int leaderId, double side) => new(leader, leaderId, side);

    public WalkState At(double t)
    {
        if (_leader is not null)
        {
            var l = _leader.At(t);
            var (nx, ny) = _leader.Heading(t);
            return l with { X = l.X - ny * _side, Y = l.Y + nx * _side };
        }
        var leg = _legs.Find(g => t < g.T1) is { T1: > 0 } found ? found : _legs[^1];
        double span = leg.T1 - leg.T0;
        double f = span <= 0 ? 1 : Math.Clamp((t - leg.T0) / span, 0, 1);
        double vx = span <= 0 ? 0 : (leg.X1 - leg.X0) / span, vy = span <= 0 ? 0 : (leg.Y1 - leg.Y0) / span;
        double length = Math.Sqrt((leg.X1 - leg.X0) * (leg.X1 - leg.X0) + (leg.Y1 - leg.Y0) * (leg.Y1 - leg.Y0));
        return new WalkState(leg.X0 + f * (leg.X1 - leg.X0), leg.Y0 + f * (leg.Y1 - leg.Y0), vx, vy, leg.D0 + f * length);
    }

    /// <summary>Unit walking direction; while paused, the direction of the last leg walked.</summary>
    private (double X, double Y) Heading(double t)
    {
        for (int i = _legs.FindLastIndex(g => g.T0 <= t); i >= 0; i--)
        {
            var g = _legs[i];
            double dx = g.X1 - g.X0, dy = g.Y1 - g.Y0, n = Math.Sqrt(dx * dx + dy * dy);
            if (n > 1e-6) return (dx / n, dy / n);
        }
        return (1, 0);
    }
}
