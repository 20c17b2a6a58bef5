#!/usr/bin/env bash
# Packages the GPU check for a machine with an NVIDIA GPU and no JDK: a jlink'd JDK 25 runtime with only the modules
# kernel-ir needs (--strip-debug, compressed, libjvm.so stripped), kir.jar, the provider plugin JARs and the check
# scripts, into .gpu-check/ at the repository root (ignored by git). Fails when the folder is 64 MiB or more, the
# most the device tool carries. Run after `./mvnw install` (it needs ir-cli/target/kir.jar and the plugin JARs).
#
#   providers-cuda/gpu-check/package.sh [OUT]      (OUT defaults to .gpu-check)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/.gpu-check}
limit=$((64 * 1024 * 1024))

jdk=${KIR_JDK:-}
if [[ -z "$jdk" ]]; then
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
    [[ -n "$c" && -x "$c/bin/jlink" ]] && "$c/bin/java" -version 2>&1 | grep -q 'version "25' && { jdk=$c; break; }
  done
fi
[[ -n "$jdk" ]] || { echo "package.sh: no JDK 25 with jlink found (set KIR_JDK)" >&2; exit 1; }

kir_jar=$root/ir-cli/target/kir.jar
[[ -f "$kir_jar" ]] || { echo "package.sh: $kir_jar is missing; run ./mvnw install -DskipTests first" >&2; exit 1; }
cuda_jar=$(ls "$root"/plugins/providers-cuda-*.jar 2>/dev/null | head -1)
[[ -n "$cuda_jar" ]] || { echo "package.sh: plugins/providers-cuda-*.jar is missing; build providers-cuda" >&2; exit 1; }
unzip -l "$cuda_jar" | grep -q 'kir_kernels.fatbin' \
  || { echo "package.sh: $cuda_jar has no kernels (built without nvcc)" >&2; exit 1; }

rm -rf "$out"
mkdir -p "$out/plugins"
# The modules kir and its libraries use (jdeps on kir.jar; logback and Jackson want java.xml and java.naming,
# Caffeine jdk.unsupported, the cpu provider jdk.incubator.vector).
"$jdk/bin/jlink" --add-modules java.base,java.logging,java.management,java.naming,java.sql,java.xml,jdk.unsupported,jdk.incubator.vector \
  --strip-debug --no-header-files --no-man-pages --compress zip-9 --output "$out/runtime"
strip --strip-unneeded "$out/runtime/lib/server/libjvm.so" 2>/dev/null || true
cp "$kir_jar" "$out/kir.jar"
cp "$root"/plugins/providers-*.jar "$out/plugins/"
cp "$root/providers-cuda/gpu-check/run-gpu-check.sh" "$root/providers-cuda/gpu-check/torch_bench.py" "$out/"
chmod +x "$out/run-gpu-check.sh"

size=$(du -sb "$out" | cut -f1)
printf 'package.sh: %s holds %.1f MiB (runtime %.1f MiB, JARs %.1f MiB); limit 64 MiB\n' "$out" \
  "$(echo "$size / 1048576" | bc -l)" "$(echo "$(du -sb "$out/runtime" | cut -f1) / 1048576" | bc -l)" \
  "$(echo "($(du -sb "$out/kir.jar" | cut -f1) + $(du -sb "$out/plugins" | cut -f1)) / 1048576" | bc -l)"
if (( size >= limit )); then
  echo "package.sh: $out is $size bytes, over the 64 MiB the GPU machine can be sent" >&2
  exit 1
fi
