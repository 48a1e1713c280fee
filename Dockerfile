# syntax=docker/dockerfile:1
# Production image of the `reid` worker (live cameras: `reid run`; also replay, bench, doctor).
#
#   docker build -t reidworker .                             # GPU image: CUDA 13 + cuDNN 9 (default)
#   docker build -t reidworker:cpu --build-arg FLAVOR=cpu .  # CPU-only image, GBs smaller (no CUDA)
#   docker run --gpus all --stop-timeout 35 -p 9400:9400 -v reid-state:/var/lib/reid \
#     -v "$PWD/deploy/config/appsettings.json:/etc/reid/appsettings.json:ro" \
#     reidworker run --config /etc/reid/appsettings.json
#
# Both flavors are Ubuntu 24.04 with the same packages; they differ only in the base image, so a
# configuration that works on a laptop (cpu) behaves the same on a GPU box. The GPU image still runs
# on a machine without a GPU: ONNX Runtime's CUDA provider fails to load and the worker falls back to
# the CPU, saying which CUDA library is missing (`reid doctor` prints the same diagnosis).
# --stop-timeout: Docker's default of 10 s would kill the worker before its own shutdown timeout
# (Reid:ShutdownTimeoutSeconds, 25 s) has flushed the events.
# Deployment guide: docs/deployment.md. Files this image must agree with are checked by
# tests/ReId.Deploy.Tests.

# Global ARGs: the only ARGs a FROM line may use.
ARG FLAVOR=gpu
ARG DOTNET_VERSION=10.0
# CUDA 13.0 matches what the CUDA provider of Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31.0 is linked
# against (libcudart.so.13, libcublas.so.13, libcublasLt.so.13, libcurand.so.10; cuDNN 9 and cuFFT
# are loaded at run time). The `cudnn-runtime` variant carries cuDNN 9 on top of the CUDA runtime
# libraries; the driver itself (libcuda.so.1) comes from the host through the NVIDIA Container
# Toolkit and needs to be 580 or newer for CUDA 13.
ARG CUDA_IMAGE=nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04
ARG UBUNTU_IMAGE=ubuntu:24.04

# ---------------------------------------------------------------------------------------------------
# Build: publish the worker (framework-dependent, linux-x64, Release).
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}-noble AS build
ARG FLAVOR
WORKDIR /src
# Directory.Build.targets imports build/PatchLibTorchSharp.targets for every project, so both are
# needed for MSBuild to evaluate at all (the patch itself is a no-op here: Ubuntu 24.04's libstdc++
# is new enough). tests/ is left out: nothing in the image needs it.
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY src/ src/
# The NuGet cache is a BuildKit cache mount: restores are reused between builds and the packages
# never end up in a layer. models/ is deliberately not copied here (the csproj would publish it):
# the runtime stage copies it once, in its own layer, so a new model does not rebuild the code.
# The CPU flavor drops the CUDA and TensorRT providers (~270 MB) it could never load; ONNX Runtime
# then reports CUDA as unavailable exactly as it does when the libraries are missing.
# librdkafka.redist also leaves its musl build (alpine-librdkafka.so) and its Windows DLLs
# (librdkafka/x64, x86) in the output: never loaded on Ubuntu. (Confluent.Kafka loads
# centos8-librdkafka.so here, as librdkafka.so wants libsasl2.so.3.)
RUN --mount=type=cache,id=reid-nuget,target=/root/.nuget/packages \
    dotnet publish src/ReIdWorker/ReIdWorker.csproj -c Release -r linux-x64 --self-contained false \
      -o /app --nologo \
 && rm -rf /app/alpine-librdkafka.so /app/librdkafka \
 && if [ "$FLAVOR" = "cpu" ]; then \
      rm -f /app/libonnxruntime_providers_cuda.so /app/libonnxruntime_providers_tensorrt.so; \
    fi

# ---------------------------------------------------------------------------------------------------
# Source of the .NET runtime: the ASP.NET Core image carries both shared frameworks the worker uses
# (Microsoft.NETCore.App, and Microsoft.AspNetCore.App for Kestrel: /metrics and health endpoints).
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble AS dotnet

FROM ${CUDA_IMAGE} AS base-gpu
FROM ${UBUNTU_IMAGE} AS base-cpu

# ---------------------------------------------------------------------------------------------------
FROM base-${FLAVOR} AS runtime
# 1654 is the uid of the `app` user in Microsoft's .NET images; the Kubernetes manifests run as it
# (runAsUser) and Kubernetes can only check runAsNonRoot against a numeric USER.
ARG APP_UID=1654
# Packages, and why each is here:
#   ca-certificates tzdata libssl3t64 libstdc++6 libgcc-s1 zlib1g
#       what the .NET runtime needs on Ubuntu 24.04 (the set Microsoft's runtime-deps image installs;
#       no libicu: the worker is built with InvariantGlobalization)
#   libgtk-3-0t64 libatomic1 libdrm2
#       libOpenCvSharpExtern.so (OpenCvSharp4.official.runtime.linux-x64) links GTK 3 (which pulls
#       GDK, Pango, Cairo, ATK, GLib, X11, FreeType, HarfBuzz), libatomic and libdrm; without them it
#       fails with DllNotFoundException at the first frame
#   ffmpeg
#       network cameras: OpenCV's bundled FFmpeg has no rtsp/http/tcp/udp, so the worker decodes
#       network streams with an ffmpeg subprocess
#   curl
#       the HEALTHCHECK below
# DEBIAN_FRONTEND=noninteractive keeps tzdata from asking for a time zone (which hangs the build).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates tzdata libssl3t64 libstdc++6 libgcc-s1 zlib1g \
      libgtk-3-0t64 libatomic1 libdrm2 \
      ffmpeg \
      curl \
 && rm -rf /var/lib/apt/lists/*

# The runtime copied from Microsoft's image rather than installed from a package feed: the same bits,
# the same version as the SDK that built the app, on either base image.
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
# MALLOC_ARENA_MAX=2: native frames are allocated and freed on many threads (one reader and one
# detector per camera); glibc's default per-thread arenas let RSS creep ~8 MiB/min under a 4-camera
# load check, while with two arenas it stayed flat (docs/run.md, "Load check").
ENV DOTNET_ROOT=/usr/share/dotnet \
    DOTNET_RUNNING_IN_CONTAINER=true \
    DOTNET_NOLOGO=true \
    MALLOC_ARENA_MAX=2

# Writable state (event outbox, embedded gallery) lives in /var/lib/reid: it must be created and
# owned by the app user before VOLUME, because changes after VOLUME are discarded, and Docker seeds
# a new named volume with this ownership.
RUN groupadd --gid "${APP_UID}" app \
 && useradd --uid "${APP_UID}" --gid app --create-home --shell /usr/sbin/nologin app \
 && mkdir -p /var/lib/reid /etc/reid \
 && chown app:app /var/lib/reid

WORKDIR /app
# The embedding model(s), readable by all and owned by root so the worker cannot alter them. The
# worker uses the default model from /app/models unless Reid:Model names another file; mount a
# directory over /app/models to ship a different one without rebuilding.
COPY models/ /app/models/
COPY --from=build /app/ /app/

VOLUME ["/var/lib/reid"]
# Reid:Http:Port: GET /metrics (Prometheus), /health/live, /health/ready.
EXPOSE 9400
USER ${APP_UID}

# Liveness, not readiness: a worker whose cameras are all down is not ready, and flagging or
# restarting the container would not bring a camera back (the worker reconnects by itself).
# The start period covers model loading (and the CUDA provider's first initialisation).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9400/health/live"]

ENTRYPOINT ["dotnet", "/app/reid.dll"]
CMD ["run"]
