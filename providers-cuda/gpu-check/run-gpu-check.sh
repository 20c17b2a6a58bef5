#!/usr/bin/env bash
# The GPU check, on a machine with an NVIDIA GPU and no JDK: run from the folder package.sh made (it carries its
# own Java runtime). Prints each step's output; exits non-zero when a step fails. Steps:
#   1. kir providers                       (cuda available, device name, compute capability)
#   2. kir verify --provider cuda          (every op and dtype against native on the CPU)
#   3. kir run --example tiny --device cuda:0 --compare native   (needs the device-aware core, issue 13)
#   4. CudaCheck: every cuda kernel op and dtype against native, then the bf16 benchmark against a
#      device-to-device copy of the same bytes, printing ratios
#   5. PyTorch's own rms_norm, fused add + rms_norm and silu(a) * b, timed the same way in the same run
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
java=("$here/runtime/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
      -Dkernelir.home="$here")
kir() { "${java[@]}" -jar "$here/kir.jar" "$@"; }
status=0
step() { echo; echo "==== $*"; }

step "GPU"; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 || true
step "kir providers"; kir providers || status=1
step "kir verify --provider cuda"; kir verify --provider cuda || status=1
step "kir run --example tiny --device cuda:0 --compare native"
kir run --example tiny --device cuda:0 --compare native || { echo "(needs the device-aware core, issue 13)"; status=1; }
step "CudaCheck (correctness against native, then the benchmark)"
"${java[@]}" -cp "$here/kir.jar:$(ls "$here"/plugins/providers-cuda-*.jar)" \
  org.kernelir.providers.cuda.check.CudaCheck || status=1
step "PyTorch in the same run"
python3 "$here/torch_bench.py" || status=1
echo; echo "GPU check finished with status $status"
exit $status
