namespace ReIdTrainer.Data;

/// <summary>
/// The images a model is trained on with dense identity labels 0..C-1, which the classifier and
/// the PK sampler need. Distractors and junk are never trained on.
/// </summary>
public sealed record TrainingSet(IReadOnlyList<ReIdImage> Images, IReadOnlyList<int> Labels, IReadOnlyList<string> PersonIds)
{
    public int IdentityCount => PersonIds.Count;

    public static TrainingSet From(IEnumerable<ReIdImage> images)
    {
        var kept = images.Where(i => i.Label == ImageLabel.Identity).ToList();
        var personIds = kept.Select(i => i.PersonId).Distinct().Order(StringComparer.Ordinal).ToList();
        var labelOf = personIds.Select((id, label) => (id, label)).ToDictionary(x => x.id, x => x.label, StringComparer.Ordinal);
        return new TrainingSet(kept, kept.Select(i => labelOf[i.PersonId]).ToList(), personIds);
    }
}
