using System.Numerics.Tensors;
using ReId.Core.Gallery;

namespace ReId.Gallery;

/// <summary>
/// The gallery of a single edge worker: exact cosine search over every stored exemplar, kept in
/// memory and written to one file on <see cref="SaveAsync"/>.
/// </summary>
/// <remarks>
/// Embeddings live in one contiguous row-major <c>float[]</c> so a search is a straight
/// <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/> per row: at 10^5
/// exemplars of 512 floats that is one pass over ~200 MB of memory, with no per-row objects to chase.
/// Removal moves the last row into the hole, so rows stay dense and their order carries no meaning.
/// Vectors are normalised on the way in, as Qdrant does for cosine collections, so similarity is a dot
/// product and both galleries hand back the same stored vectors.
/// </remarks>
public sealed class EmbeddedGallery : IGallery
{
    private const int InitialCapacity = 256;

    private readonly string _path;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly object _saveGate = new();

    private int _dimension;
    private float[] _vectors = [];
    private Row[] _rows = [];
    private int _count;
    private readonly Dictionary<Guid, int> _rowOfExemplar = new();

    // Model versions are few and compared on every row of every search: comparing small integers
    // instead of strings keeps the scan bound by memory bandwidth.
    private readonly List<string> _modelVersions = new();
    private readonly Dictionary<string, int> _modelVersionIds = new(StringComparer.Ordinal);

    private long _changes;
    private long _savedChanges;

    public EmbeddedGallery(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException("an embedded gallery needs a file path", nameof(path));
        _path = Path.GetFullPath(path);
    }

    public string Describe => "embedded:" + _path;

    /// <summary>Where the gallery is persisted (absolute).</summary>
    public string FilePath => _path;

    public Task EnsureReadyAsync(int dimension, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ct.ThrowIfCancellationRequested();

        _lock.EnterWriteLock();
        try
        {
            if (_dimension == dimension)
                return Task.CompletedTask;
            if (_dimension != 0)
                throw new GalleryUnavailableException(
                    $"gallery file '{_path}' is open with {_dimension}-d vectors but the model makes {dimension}-d; " +
                    "pass another --gallery-path or delete it");

            if (File.Exists(_path))
                LoadLocked(dimension);
            else
                _dimension = dimension;
            return Task.CompletedTask;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public Task<IReadOnlyList<GalleryMatch>> SearchAsync(GalleryQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1, nameof(query.Limit));
        ct.ThrowIfCancellationRequested();

        _lock.EnterReadLock();
        try
        {
            int dim = _dimension;
            float[] probe = Normalised(query.Embedding, "query embedding");
            if (!_modelVersionIds.TryGetValue(query.ModelVersion, out int wantedModel))
                return Task.FromResult<IReadOnlyList<GalleryMatch>>([]);

            var best = new BestMatches<int>(query);
            ReadOnlySpan<float> all = _vectors;
            for (int row = 0; row < _count; row++)
            {
                ref readonly Row meta = ref _rows[row];
                if (meta.ModelVersionId != wantedModel)
                    continue;
                if (best.Excluded is not null && best.Excluded.Contains(meta.PersonId))
                    continue;
                best.Offer(row, TensorPrimitives.Dot(all.Slice(row * dim, dim), probe));
            }

            var matches = best.TakeBestFirst().Select(m => new GalleryMatch(ToExemplarLocked(m.Candidate), m.Similarity)).ToArray();
            return Task.FromResult<IReadOnlyList<GalleryMatch>>(matches);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public Task AddAsync(Exemplar exemplar, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(exemplar);
        ct.ThrowIfCancellationRequested();

        _lock.EnterWriteLock();
        try
        {
            int dim = _dimension;
            float[] unit = Normalised(exemplar.Embedding, "exemplar embedding");
            var meta = new Row(
                exemplar.Id, exemplar.PersonId, exemplar.CameraId,
                exemplar.SeenAt.ToUnixTimeMilliseconds(), ModelVersionIdLocked(exemplar.ModelVersion));

            // Same id again replaces the exemplar, matching Qdrant's upsert.
            if (!_rowOfExemplar.TryGetValue(exemplar.Id, out int row))
            {
                EnsureCapacityLocked(_count + 1);
                row = _count++;
                _rowOfExemplar[exemplar.Id] = row;
            }
            _rows[row] = meta;
            unit.CopyTo(_vectors.AsSpan(row * dim, dim));
            _changes++;
            return Task.CompletedTask;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public Task<IReadOnlyList<Exemplar>> GetExemplarsAsync(string personId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(personId);
        ct.ThrowIfCancellationRequested();

        _lock.EnterReadLock();
        try
        {
            var found = new List<Exemplar>();
            for (int row = 0; row < _count; row++)
                if (string.Equals(_rows[row].PersonId, personId, StringComparison.Ordinal))
                    found.Add(ToExemplarLocked(row));
            found.Sort((a, b) => a.SeenAt.CompareTo(b.SeenAt));
            return Task.FromResult<IReadOnlyList<Exemplar>>(found);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public Task RemoveAsync(IReadOnlyCollection<Guid> exemplarIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(exemplarIds);
        ct.ThrowIfCancellationRequested();

        _lock.EnterWriteLock();
        try
        {
            foreach (Guid id in exemplarIds)
                if (_rowOfExemplar.TryGetValue(id, out int row))
                    RemoveRowLocked(row);
            return Task.CompletedTask;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public Task<int> PurgeSeenBeforeAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        long cutoffMs = cutoff.ToUnixTimeMilliseconds();

        _lock.EnterWriteLock();
        try
        {
            int purged = 0;
            // Walking backwards means the row swapped into a hole has already been inspected.
            for (int row = _count - 1; row >= 0; row--)
            {
                if (_rows[row].SeenAtUnixMs < cutoffMs)
                {
                    RemoveRowLocked(row);
                    purged++;
                }
            }
            return Task.FromResult(purged);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public Task<long> CountAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        _lock.EnterReadLock();
        try
        {
            return Task.FromResult((long)_count);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public Task SaveAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        // The write is synchronous under the read lock (searches go on, additions wait) because a
        // ReaderWriterLockSlim cannot be held across an await; Task.Run keeps the caller's thread free.
        return Task.Run(() =>
        {
            lock (_saveGate)
            {
                _lock.EnterReadLock();
                try
                {
                    if (_dimension == 0)
                        throw new InvalidOperationException($"{Describe}: call EnsureReadyAsync before SaveAsync");
                    if (_changes == _savedChanges && File.Exists(_path))
                        return;
                    GalleryFile.Write(_path, _dimension, _vectors, _rows.AsSpan(0, _count), _modelVersions);
                    _savedChanges = _changes;
                }
                finally
                {
                    _lock.ExitReadLock();
                }
            }
        }, ct);
    }

    public ValueTask DisposeAsync()
    {
        _lock.Dispose();
        return ValueTask.CompletedTask;
    }

    private void LoadLocked(int dimension)
    {
        GalleryFile.Contents contents = GalleryFile.Read(_path, dimension);
        _dimension = dimension;
        _vectors = contents.Vectors;
        _rows = contents.Rows;
        _count = contents.Count;
        _modelVersions.AddRange(contents.ModelVersions);
        for (int i = 0; i < _modelVersions.Count; i++)
            _modelVersionIds[_modelVersions[i]] = i;
        for (int row = 0; row < _count; row++)
            if (!_rowOfExemplar.TryAdd(_rows[row].Id, row))
                throw new GalleryUnavailableException(
                    $"gallery file '{_path}' is corrupt (exemplar {_rows[row].Id} appears twice); " +
                    "restore it from a backup, pass another --gallery-path or delete it");
        // Vectors may have been written by an older build that did not normalise: do it once here.
        for (int row = 0; row < _count; row++)
        {
            Span<float> v = _vectors.AsSpan(row * dimension, dimension);
            float norm = TensorPrimitives.Norm(v);
            if (norm > 0 && MathF.Abs(norm - 1f) > 1e-4f)
                TensorPrimitives.Divide(v, norm, v);
        }
        _changes = _savedChanges = 0;
    }

    private void RemoveRowLocked(int row)
    {
        int dim = _dimension;
        int last = _count - 1;
        _rowOfExemplar.Remove(_rows[row].Id);
        if (row != last)
        {
            _rows[row] = _rows[last];
            _vectors.AsSpan(last * dim, dim).CopyTo(_vectors.AsSpan(row * dim, dim));
            _rowOfExemplar[_rows[row].Id] = row;
        }
        _rows[last] = default;
        _count = last;
        _changes++;
    }

    private void EnsureCapacityLocked(int rows)
    {
        if (rows <= _rows.Length)
            return;
        int capacity = Math.Max(InitialCapacity, _rows.Length * 2);
        while (capacity < rows)
            capacity *= 2;
        Array.Resize(ref _rows, capacity);
        Array.Resize(ref _vectors, checked(capacity * _dimension));
    }

    private int ModelVersionIdLocked(string modelVersion)
    {
        ArgumentNullException.ThrowIfNull(modelVersion);
        if (!_modelVersionIds.TryGetValue(modelVersion, out int id))
        {
            id = _modelVersions.Count;
            _modelVersions.Add(modelVersion);
            _modelVersionIds[modelVersion] = id;
        }
        return id;
    }

    private float[] Normalised(float[] vector, string what)
    {
        float norm = EmbeddingCheck.Norm(vector, _dimension, what, Describe);
        var unit = new float[vector.Length];
        TensorPrimitives.Divide(vector, norm, unit);
        return unit;
    }

    private Exemplar ToExemplarLocked(int row)
    {
        ref readonly Row meta = ref _rows[row];
        return new Exemplar(
            meta.Id,
            meta.PersonId,
            _vectors.AsSpan(row * _dimension, _dimension).ToArray(),
            meta.CameraId,
            DateTimeOffset.FromUnixTimeMilliseconds(meta.SeenAtUnixMs),
            _modelVersions[meta.ModelVersionId]);
    }

    /// <summary>Everything about one exemplar except its vector, which lives in the shared array.</summary>
    internal readonly record struct Row(Guid Id, string PersonId, string CameraId, long SeenAtUnixMs, int ModelVersionId);
}
