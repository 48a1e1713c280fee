namespace ReIdTrainer.Data;

/// <summary>What an image is for under the standard Market-1501 protocol.</summary>
public enum ImageLabel
{
    /// <summary>A real identity: trained on, or a query / gallery match.</summary>
    Identity,
    /// <summary>Market-1501 person id 0000: a false or partial detection kept in the gallery as a hard negative.</summary>
    Distractor,
    /// <summary>Market-1501 person id -1: a box too bad to label; ignored in evaluation, never trained on.</summary>
    Junk,
}
