#!/bin/sh
# Builds the native kernels from kernels.c + norm.c and heap-kernels.c. Needs clang + lld with the
# wasm32 target (Debian 12: apt-get install -y clang lld  -> clang 14.0.6). The .wasm files are
# committed, so neither CI nor users need clang; rebuild and commit them (with kernels.sha256)
# whenever a .c file or this script changes. CI checks the hashes (src/kernels/native-build.test.ts).
#
#   kernels.wasm       threaded: shared memory + atomics (Node's worker_threads; cross-origin
#                      isolated pages, where SharedArrayBuffer exists)
#   kernels-st.wasm    single-threaded, same C: plain memory, the atomic task counter becomes a
#                      plain add (a Figma plugin iframe has an opaque origin: no SharedArrayBuffer)
#   kernels-fma.wasm, kernels-st-fma.wasm
#                      the same two with relaxed SIMD's multiply-add in the GEMM micro-kernels
#                      (SP_FMA in kernels.c), picked at run time where the engine validates them.
#                      clang 14 emits pre-standard relaxed-SIMD opcodes, so these need clang 19
#                      (apt-get install -y clang-19 lld-19; CLANG_FMA overrides the command).
#   heap-kernels.wasm  kernels on tfjs-backend-wasm's own heap (no memory or stack of its own)
set -eu
cd "$(dirname "$0")"
KERNELS_SRC="kernels.c norm.c"
CLANG_FMA=${CLANG_FMA:-clang-19}
kernels() { # kernels <clang> <output> <extra flags...>
  cc=$1
  out=$2
  shift 2
  $cc --target=wasm32 -msimd128 "$@" -mbulk-memory -mmutable-globals -O3 -nostdlib \
    -Wl,--no-entry -Wl,--import-memory -Wl,--max-memory=2147483648 \
    -Wl,--stack-first -Wl,-z,stack-size=262144 \
    -Wl,--export=__stack_pointer -Wl,--export=__heap_base \
    -o "$out" $KERNELS_SRC
  echo "built $(pwd)/$out ($(wc -c < "$out") bytes) with $($cc --version | head -1)"
}
kernels clang kernels.wasm -matomics -Wl,--shared-memory
kernels clang kernels-st.wasm
kernels "$CLANG_FMA" kernels-fma.wasm -mrelaxed-simd -DSP_FMA -matomics -Wl,--shared-memory
kernels "$CLANG_FMA" kernels-st-fma.wasm -mrelaxed-simd -DSP_FMA
for f in kernels-st.wasm kernels-st-fma.wasm; do
  if llvm-objdump -d $f | grep -q 'atomic'; then
    echo "$f uses atomics; a single-threaded build must not" >&2
    exit 1
  fi
done

# heap-kernels.wasm runs on tfjs-backend-wasm's own (non-shared) memory, so it may not own any of
# it: no data segments and no stack (checked below).
clang --target=wasm32 -msimd128 -mbulk-memory -O3 -nostdlib \
  -Wl,--no-entry -Wl,--import-memory -Wl,-z,stack-size=0 \
  -Wl,--export=sp_relu_grad -Wl,--export=sp_relu6_grad -Wl,--export=sp_leaky_relu_grad \
  -Wl,--export=sp_leaky_relu -Wl,--export=sp_mirror_pad_grad_nhwc -Wl,--export=sp_reduce_mid -Wl,--export=sp_adam \
  -Wl,--export=sp_mirror_pad_nhwc -Wl,--export=sp_upsample2x_nhwc -Wl,--export=sp_upsample2x_grad_nhwc -Wl,--export=sp_add_bias \
  -Wl,--export=sp_depthwise_backprop_input_nhwc \
  -o heap-kernels.wasm heap-kernels.c
if llvm-objdump -h heap-kernels.wasm | grep -q ' DATA ' || llvm-objdump -d heap-kernels.wasm | grep -q 'global\.'; then
  echo "heap-kernels.wasm uses data or the stack; it must not (it shares tfjs's memory)" >&2
  exit 1
fi
echo "built $(pwd)/heap-kernels.wasm ($(wc -c < heap-kernels.wasm) bytes)"
# Every input and output, so a change to any of them without a rebuild fails the hash test.
sha256sum build.sh kernels.c norm.c heap-kernels.c kernels.wasm kernels-st.wasm kernels-fma.wasm kernels-st-fma.wasm heap-kernels.wasm > kernels.sha256
