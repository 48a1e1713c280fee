using System.Text.Json.Serialization;
using OpenCvSharp;

namespace ReId.Vision.Synthetic;

/// <summary>A named colour (BGR), so ground truth can say "navy" rather than three numbers.</summary>
public sealed record NamedColour(string Name, byte B, byte G, byte R)
{
    [JsonIgnore]
    public Scalar Bgr => new(B, G, R);

    /// <summary>The same colour name with a small per-person deviation: two "navy" coats are never identical.</summary>
    public NamedColour Jitter(Random rng, int amount)
    {
        // Never pure black: the renderer tells figure from background by non-zero pixels.
        byte J(byte v) => (byte)Math.Clamp(v + rng.Next(-amount, amount + 1), 14, 250);
        return this with { B = J(B), G = J(G), R = J(R) };
    }
}

public enum UpperPattern { Plain, Stripes, Checks, TwoTone }
public enum LowerStyle { Trousers, Shorts, Skirt }
public enum HairLength { Short, Long }
public enum BagKind { None, Backpack, ShoulderBag }
public enum BodySide { Left, Right }

/// <summary>
/// The look that identifies one synthetic person. Colours come from small, skewed palettes so that
/// several people share "black coat, blue jeans": telling them apart needs more than colour histograms.
/// </summary>
public sealed record PersonAppearance(
    int PersonId,
    NamedColour Skin,
    NamedColour Hair,
    HairLength HairLength,
    NamedColour Upper,
    UpperPattern Pattern,
    NamedColour UpperSecondary,
    bool ShortSleeves,
    NamedColour Lower,
    LowerStyle LowerStyle,
    NamedColour Shoes,
    BagKind Bag,
    NamedColour BagColour,
    BodySide BagSide,
    NamedColour? Hat,
    double HeightFactor,
    double WidthFactor)
{
    private static readonly NamedColour[] Skins =
    [
        new("pale", 190, 205, 240), new("light", 160, 185, 225), new("tan", 110, 150, 200),
        new("brown", 70, 105, 150), new("dark", 45, 65, 95),
    ];
    private static readonly NamedColour[] Hairs =
    [
        new("black", 25, 25, 28), new("dark brown", 30, 45, 65), new("brown", 45, 75, 110),
        new("blond", 110, 180, 215), new("grey", 160, 160, 160),
    ];
    // Repeated entries skew the draw towards the dull colours people actually wear.
    private static readonly NamedColour[] Tops =
    [
        new("black", 25, 25, 25), new("black", 25, 25, 25), new("black", 25, 25, 25),
        new("navy", 80, 35, 25), new("navy", 80, 35, 25), new("grey", 120, 120, 120), new("grey", 120, 120, 120),
        new("white", 225, 225, 225), new("beige", 150, 185, 205), new("red", 40, 40, 180),
        new("dark green", 45, 90, 40), new("light blue", 210, 170, 120), new("yellow", 40, 200, 225),
    ];
    private static readonly NamedColour[] Secondaries =
    [
        new("white", 225, 225, 225), new("black", 25, 25, 25), new("red", 40, 40, 180), new("grey", 120, 120, 120),
        new("navy", 80, 35, 25),
    ];
    private static readonly NamedColour[] Bottoms =
    [
        new("blue jeans", 130, 80, 45), new("blue jeans", 130, 80, 45), new("blue jeans", 130, 80, 45),
        new("black", 28, 28, 28), new("black", 28, 28, 28), new("grey", 100, 100, 100),
        new("beige", 130, 170, 190), new("brown", 40, 65, 95), new("dark blue", 70, 40, 30),
    ];
    private static readonly NamedColour[] ShoeColours =
    [
        new("black", 20, 20, 20), new("black", 20, 20, 20), new("white", 230, 230, 230), new("brown", 30, 50, 80),
    ];
    private static readonly NamedColour[] BagColours =
    [
        new("black", 25, 25, 25), new("black", 25, 25, 25), new("red", 40, 40, 170), new("blue", 160, 80, 30),
        new("khaki", 100, 150, 160), new("orange", 30, 120, 230),
    ];

    /// <summary>The same (seed, personId) always gives the same look.</summary>
    public static PersonAppearance Generate(int seed, int personId)
    {
        var rng = new Random(SceneRandom.Mix(seed, personId, 0x5EED));
        T Pick<T>(T[] items) => items[rng.Next(items.Length)];

        var lowerStyle = rng.NextDouble() switch { < 0.72 => LowerStyle.Trousers, < 0.86 => LowerStyle.Shorts, _ => LowerStyle.Skirt };
        var pattern = rng.NextDouble() switch { < 0.55 => UpperPattern.Plain, < 0.72 => UpperPattern.Stripes, < 0.86 => UpperPattern.Checks, _ => UpperPattern.TwoTone };
        var upper = Pick(Tops).Jitter(rng, 8);
        var secondary = Pick(Secondaries);
        if (secondary.Name == upper.Name) secondary = upper.Name == "white" ? Secondaries[1] : Secondaries[0];
        var bag = rng.NextDouble() switch { < 0.35 => BagKind.Backpack, < 0.55 => BagKind.ShoulderBag, _ => BagKind.None };
        return new PersonAppearance(
            personId,
            Pick(Skins).Jitter(rng, 10),
            Pick(Hairs).Jitter(rng, 6),
            rng.NextDouble() < (lowerStyle == LowerStyle.Skirt ? 0.8 : 0.3) ? HairLength.Long : HairLength.Short,
            upper,
            pattern,
            secondary.Jitter(rng, 6),
            rng.NextDouble() < 0.3,
            Pick(Bottoms).Jitter(rng, 8),
            lowerStyle,
            Pick(ShoeColours).Jitter(rng, 5),
            bag,
            Pick(BagColours).Jitter(rng, 6),
            rng.Next(2) == 0 ? BodySide.Left : BodySide.Right,
            rng.NextDouble() < 0.2 ? Pick(Tops).Jitter(rng, 6) : null,
            0.88 + 0.22 * rng.NextDouble(),
            0.85 + 0.4 * rng.NextDouble());
    }

    /// <summary>What a witness would say: "black stripes/white top (long sleeves), blue jeans trousers, ...".</summary>
    public string Describe()
    {
        string top = Pattern == UpperPattern.Plain ? Upper.Name : $"{Upper.Name} {Pattern.ToString().ToLowerInvariant()}/{UpperSecondary.Name}";
        var parts = new List<string>
        {
            $"{top} top ({(ShortSleeves ? "short" : "long")} sleeves)",
            $"{Lower.Name} {LowerStyle.ToString().ToLowerInvariant()}",
            $"{Shoes.Name} shoes",
            $"{HairLength.ToString().ToLowerInvariant()} {Hair.Name} hair",
            $"{Skin.Name} skin",
        };
        if (Bag != BagKind.None) parts.Add($"{BagColour.Name} {(Bag == BagKind.Backpack ? "backpack" : $"shoulder bag ({BagSide.ToString().ToLowerInvariant()})")}");
        if (Hat is not null) parts.Add($"{Hat.Name} cap");
        parts.Add(HeightFactor switch { < 0.94 => "short", > 1.04 => "tall", _ => "medium height" });
        parts.Add(WidthFactor switch { < 0.97 => "slim", > 1.12 => "broad", _ => "average build" });
        return string.Join(", ", parts);
    }
}
