using Prometheus;
using ReId.Inference;

namespace ReIdWorker.Live;

/// <summary>
/// The Prometheus metrics of <c>reid run</c> (docs/run.md lists them). Counters the pipeline owns are
/// updated as things happen; figures other components keep (source statistics, outbox size) are copied
/// in just before each scrape.
/// </summary>
public static class RunMetrics
{
    private static readonly string[] Camera = ["camera"];

    public static readonly Counter Frames = Metrics.CreateCounter("reid_frames_total",
        "Frames processed (detected, tracked) per camera; rate() gives frames/s", new CounterConfiguration { LabelNames = Camera });
    public static readonly Counter FramesRead = Metrics.CreateCounter("reid_frames_read_total",
        "Frames decoded from the source per camera", new CounterConfiguration { LabelNames = Camera });
    public static readonly Counter FramesDropped = Metrics.CreateCounter("reid_frames_dropped_total",
        "Frames dropped because processing fell behind the camera (the newest frame is kept)", new CounterConfiguration { LabelNames = Camera });
    public static readonly Counter Detections = Metrics.CreateCounter("reid_detections_total",
        "People detected per camera", new CounterConfiguration { LabelNames = Camera });
    public static readonly Gauge LiveTracks = Metrics.CreateGauge("reid_live_tracks",
        "Confirmed tracks not yet ended per camera", new GaugeConfiguration { LabelNames = Camera });
    public static readonly Counter Reconnects = Metrics.CreateCounter("reid_source_reconnects_total",
        "Reconnections to the camera's source (errors, stalls, end of stream)", new CounterConfiguration { LabelNames = Camera });
    public static readonly Gauge Connected = Metrics.CreateGauge("reid_source_connected",
        "1 while the camera's source delivers frames, else 0", new GaugeConfiguration { LabelNames = Camera });
    public static readonly Counter CameraRestarts = Metrics.CreateCounter("reid_camera_restarts_total",
        "Camera pipelines restarted after an unexpected error", new CounterConfiguration { LabelNames = Camera });
    public static readonly Histogram FrameSeconds = Metrics.CreateHistogram("reid_frame_processing_seconds",
        "Time from taking a frame to having processed it (detection, tracking, embedding, identity, events)",
        new HistogramConfiguration { LabelNames = Camera, Buckets = Histogram.ExponentialBuckets(0.01, 2, 12) });

    public static readonly Counter Events = Metrics.CreateCounter("reid_events_published_total",
        "Track events accepted by the event sink (outbox or JSONL file) per camera and type",
        new CounterConfiguration { LabelNames = ["camera", "type"] });
    public static readonly Counter EventErrors = Metrics.CreateCounter("reid_events_refused_total",
        "Track events the sink refused (outbox full or disk error); see the log", new CounterConfiguration { LabelNames = Camera });
    public static readonly Gauge OutboxPendingEvents = Metrics.CreateGauge("reid_outbox_pending_events",
        "Events in the outbox not yet confirmed by Kafka");
    public static readonly Gauge OutboxPendingBytes = Metrics.CreateGauge("reid_outbox_pending_bytes",
        "Bytes of outbox segments holding undelivered events");
    public static readonly Counter EventsDelivered = Metrics.CreateCounter("reid_events_delivered_total",
        "Events confirmed by Kafka (from the outbox) since start");
    public static readonly Counter KafkaDeliveryErrors = Metrics.CreateCounter("reid_kafka_delivery_errors_total",
        "Events Kafka did not confirm on an attempt (they stay in the outbox and are retried)");
    public static readonly Gauge EventSinkDegraded = Metrics.CreateGauge("reid_event_sink_degraded",
        "1 while the last delivery to Kafka failed (events wait in the outbox)");

    public static readonly Histogram EmbedderBatchSize = Metrics.CreateHistogram("reid_embedder_batch_size",
        "Crops per model run of the shared embedder", new HistogramConfiguration { Buckets = [1, 2, 4, 8, 16, 32, 64, 128] });
    public static readonly Histogram EmbedderSeconds = Metrics.CreateHistogram("reid_embedder_batch_seconds",
        "Time per model run (preprocessing included)", new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.002, 2, 12) });
    public static readonly Histogram EmbedderQueueSeconds = Metrics.CreateHistogram("reid_embedder_queue_seconds",
        "How long the oldest request of a batch waited before its model run", new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 12) });
    public static readonly Counter EmbedderCrops = Metrics.CreateCounter("reid_embedder_crops_total", "Crops embedded");
    public static readonly Counter EmbedderErrors = Metrics.CreateCounter("reid_embedder_errors_total", "Model runs that failed");
    public static readonly Gauge EmbedderInfo = Metrics.CreateGauge("reid_embedder_info",
        "1, labelled with the model and the ONNX Runtime execution provider in use", new GaugeConfiguration { LabelNames = ["model", "provider"] });

    // Named apart from ResilientGallery's own meter (reid.gallery.*, exported through prometheus-net's
    // meter adapter), which measures the calls to Qdrant behind its cache; these measure what a camera waits.
    public static readonly Histogram GallerySeconds = Metrics.CreateHistogram("reid_gallery_request_seconds",
        "Gallery call latency per operation", new HistogramConfiguration { LabelNames = ["operation"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 14) });
    public static readonly Counter GalleryErrors = Metrics.CreateCounter("reid_gallery_request_errors_total",
        "Gallery calls that failed per operation", new CounterConfiguration { LabelNames = ["operation"] });

    public static readonly Gauge Ready = Metrics.CreateGauge("reid_ready", "1 when /health/ready answers 200");

    public static void Observe(EmbeddingBatch batch)
    {
        EmbedderBatchSize.Observe(batch.Crops);
        EmbedderSeconds.Observe(batch.RunTime.TotalSeconds);
        EmbedderQueueSeconds.Observe(batch.OldestWait.TotalSeconds);
        EmbedderCrops.Inc(batch.Crops);
        if (batch.Failed) EmbedderErrors.Inc();
    }
}
