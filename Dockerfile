# Multi-stage build of the `reid` worker.
#   docker build -t reidworker .
#   docker run --rm -v "$PWD/footage:/data" reidworker replay /data/cam1.mp4 --out /data/out
# The runtime image runs models on the CPU; GPU images (CUDA 13 + cuDNN 9 base) come with the
# production deployment work. .NET 10 images are Ubuntu 24.04 based.

FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ReIdWorker.sln ./
COPY src/ src/
COPY models/ models/
RUN dotnet publish src/ReIdWorker/ReIdWorker.csproj -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/runtime:10.0-noble AS runtime
# libgtk-3-0t64: linked by OpenCvSharp's official linux-x64 runtime (DllNotFoundException otherwise).
# ffmpeg: network camera sources.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgtk-3-0t64 ffmpeg \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
USER app
ENTRYPOINT ["dotnet", "/app/reid.dll"]
CMD ["--help"]
