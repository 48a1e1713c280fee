namespace ReId.Core.Tracking;

/// <summary>
/// A track's lifecycle. Tentative tracks are not reported (most are noise); a track becomes
/// Confirmed after enough consecutive hits, Lost while unmatched, and Ended when lost too long.
/// </summary>
public enum TrackState { Tentative, Confirmed, Lost, Ended }
