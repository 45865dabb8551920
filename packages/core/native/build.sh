#!/bin/sh
# Builds kernels.wasm from kernels.c and norm.c. Needs clang + lld with the wasm32 target
# (Debian 12: apt-get install -y clang lld  -> clang 14.0.6). The .wasm is committed, so neither
# CI nor users need clang; rebuild and commit it whenever kernels.c changes.
set -eu
cd "$(dirname "$0")"
clang --target=wasm32 -msimd128 -matomics -mbulk-memory -mmutable-globals -O3 -nostdlib \
  -Wl,--no-entry -Wl,--import-memory -Wl,--shared-memory -Wl,--max-memory=2147483648 \
  -Wl,--stack-first -Wl,-z,stack-size=262144 \
  -Wl,--export=__stack_pointer -Wl,--export=__heap_base \
  -o kernels.wasm kernels.c norm.c
sha256sum kernels.c norm.c kernels.wasm > kernels.sha256
echo "built $(pwd)/kernels.wasm ($(wc -c < kernels.wasm) bytes) with $(clang --version | head -1)"
