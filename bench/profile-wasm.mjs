// Per-kernel profile of one w16 GAN training step (128², batch 4) and one 512² inference on the
// active Node backend (default wasm): tf.profile kernel times, with FLOPs and GFLOP/s for convs.
//   node bench/profile-wasm.mjs [--backend=wasm] [--train=128x4] [--infer=512] [--taps=reference|product] [--json=path]
// --taps=reference (default): the loss-network taps of ../shared/anchors' PyTorch reference (block
// outputs 1, 3, 6, 10), as bench/vs-torch.mjs uses; product: stylepack's default expand-ReLU taps.
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { Discriminator, Generator, Trainer, generatorPreset, DEFAULT_CONTENT_TAP, DEFAULT_STYLE_TAPS } from '@stylepack/core';
import { initNodeBackend, loadLossNetworkFromNsfwjs } from '@stylepack/core/node';

const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
const backend = arg('backend', 'wasm');
const [tsize, tbatch] = arg('train', '128x4').split('x').map(Number);
const isize = Number(arg('infer', '512'));
const choice = await initNodeBackend(backend);
console.log(`backend ${choice.name} ${choice.detail ?? ''}`);

function convFlops(k) {
  const i = k.inputShapes, o = k.outputShapes?.[0];
  const prod = (s) => s.reduce((a, b) => a * b, 1);
  switch (k.name) {
    case 'Conv2D': case 'FusedConv2D': { const f = i[1]; return 2 * prod(o) * f[0] * f[1] * f[2]; }
    case 'DepthwiseConv2dNative': case 'FusedDepthwiseConv2D': { const f = i[1]; return 2 * prod(o) * f[0] * f[1]; }
    case 'Conv2DBackpropFilter': { const x = i[0], dy = i[1]; return 2 * prod(dy) * prod(o) / o[3]; }
    case 'Conv2DBackpropInput': { const dy = i[0], f = i[1]; return 2 * prod(dy) * f[0] * f[1] * f[2]; }
    case 'DepthwiseConv2dNativeBackpropInput': { const dy = i[0], f = i[1]; return 2 * prod(dy) * f[0] * f[1]; }
    case 'DepthwiseConv2dNativeBackpropFilter': { const dy = i[1]; return 2 * prod(dy) * prod(o) / (o[2] * o[3]); }
    case 'BatchMatMul': case '_FusedMatMul': { const a = i[0], b = i[1]; return 2 * prod(o) * (a[a.length - 1] === b[b.length - 2] ? a[a.length - 1] : a[a.length - 2]); }
    default: return 0;
  }
}

async function profile(label, fn) {
  await fn(); // warm
  const info = await tf.profile(fn);
  const by = new Map();
  let total = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    total += ms;
    const key = k.name;
    const e = by.get(key) ?? { kernel: key, calls: 0, ms: 0, gflop: 0 };
    e.calls++; e.ms += ms; e.gflop += convFlops(k) / 1e9;
    by.set(key, e);
  }
  const t0 = performance.now(); await fn(); const wall = performance.now() - t0;
  const rows = [...by.values()].sort((a, b) => b.ms - a.ms);
  console.log(`\n${label}: wall ${wall.toFixed(0)} ms (unprofiled), kernel sum ${total.toFixed(0)} ms`);
  console.log('| kernel | calls | ms | % | GFLOP | GFLOP/s |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows.slice(0, 30)) {
    console.log(`| ${r.kernel} | ${r.calls} | ${r.ms.toFixed(0)} | ${(100 * r.ms / total).toFixed(1)} | ${r.gflop ? r.gflop.toFixed(2) : ''} | ${r.gflop ? (r.gflop / (r.ms / 1000)).toFixed(1) : ''} |`);
  }
  return { label, wall, total, rows, kernels: info.kernels.map((k) => ({ name: k.name, ms: k.kernelTimeMs, in: k.inputShapes, out: k.outputShapes, gflop: convFlops(k) / 1e9 })) };
}

const product = arg('taps', 'reference') === 'product';
const taps = product ? [...DEFAULT_STYLE_TAPS] : ['block_1_project_BN', 'block_3_project_BN', 'block_6_project_BN', 'block_10_project_BN'];
const lossNet = await loadLossNetworkFromNsfwjs({ taps });
const g = new Generator(generatorPreset('johnson', { widthMultiplier: 0.5, numStyles: 1 }), 1);
const d = new Discriminator({ width: 64, numStyles: 1 });
const styleImages = [tf.randomUniform([1, 256, 256, 3], 0, 1, 'float32', 10)];
const trainer = new Trainer({ generator: g, discriminator: d, lossNet, contentTap: product ? taps.indexOf(DEFAULT_CONTENT_TAP) : 1, styleImages, seed: 1 });
const x = tf.randomUniform([tbatch, tsize, tsize, 3], 0, 1, 'float32', 2);
const out = [];
out.push(await profile(`train ${tsize}² b${tbatch}`, async () => { trainer.trainStep(x); }));
const v = g.styleVectors(g.oneHot(0));
const xi = tf.randomUniform([1, isize, isize, 3], 0, 1, 'float32', 3);
out.push(await profile(`infer ${isize}²`, async () => { const y = g.stylize(xi, v); await y.data(); y.dispose(); }));
const json = arg('json', '');
if (json) writeFileSync(json, JSON.stringify(out, null, 1));
