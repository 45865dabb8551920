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
echo "built $(pwd)/kernels.wasm ($(wc -c < kernels.wasm) bytes) with $(clang --version | head -1)"

# heap-kernels.wasm runs on tfjs-backend-wasm's own (non-shared) memory, so it may not own any of
# it: no data segments and no stack (checked below).
clang --target=wasm32 -msimd128 -mbulk-memory -O3 -nostdlib \
  -Wl,--no-entry -Wl,--import-memory -Wl,-z,stack-size=0 \
  -Wl,--export=sp_relu_grad -Wl,--export=sp_relu6_grad -Wl,--export=sp_leaky_relu_grad \
  -Wl,--export=sp_leaky_relu -Wl,--export=sp_mirror_pad_grad_nhwc -Wl,--export=sp_reduce_mid -Wl,--export=sp_adam \
  -Wl,--export=sp_mirror_pad_nhwc -Wl,--export=sp_upsample2x_nhwc -Wl,--export=sp_upsample2x_grad_nhwc -Wl,--export=sp_add_bias \
  -o heap-kernels.wasm heap-kernels.c
if llvm-objdump -h heap-kernels.wasm | grep -q ' DATA ' || llvm-objdump -d heap-kernels.wasm | grep -q 'global\.'; then
  echo "heap-kernels.wasm uses data or the stack; it must not (it shares tfjs's memory)" >&2
  exit 1
fi
echo "built $(pwd)/heap-kernels.wasm ($(wc -c < heap-kernels.wasm) bytes)"
sha256sum kernels.c norm.c kernels.wasm heap-kernels.c heap-kernels.wasm > kernels.sha256
