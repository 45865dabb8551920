// Backward-pass cost of the loss network (d loss / d input) on the tfjs cpu backend.
// Usage (after building packages/core): node packages/core/scripts/lossnet-bench.mjs [size=128] [rounds=3]
//  A   this module: plain ops, BN folded, weights as plain tensors, tf.grad w.r.t. the input
//  B   same plan with the weights as tf.Variables under tf.variableGrads (filter grads computed too)
//  C   tfjs-layers: tf.loadLayersModel on the same Keras topology cut at the deepest tap, tf.grad w.r.t. the input
// Loss = Σ_taps mean(f²) over the 4 block style taps. Rounds run A, A', B, C in turn (the
// machine is shared); we report the median CPU time of this process per pass (tfjs cpu is single-threaded).
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_STYLE_TAPS, RGB_TAP, createLossNetwork } from '../dist/lossnet/index.js';
import { buildMobileNetPlan, runPlan } from '../dist/lossnet/mobilenet-v2.js';
import { loadNsfwjsMobileNetSource } from '../dist/node/lossnet-node.js';

const size = Number(process.argv[2] ?? 128);
const rounds = Number(process.argv[3] ?? 3);
await tf.setBackend('cpu');
const src = loadNsfwjsMobileNetSource();
const taps = DEFAULT_STYLE_TAPS.filter((t) => t !== RGB_TAP); // the 4 block taps (tfjs-layers can't output its input layer)
const x = tf.randomUniform([1, size, size, 3], 0, 1, 'float32', 7);
const lossOf = (fs) => fs.reduce((a, f) => a.add(tf.mean(tf.square(f))), tf.scalar(0));

const net = createLossNetwork(src, { taps });
const planVars = buildMobileNetPlan(src.modelTopology, src.weightsManifest, src.weightData, taps);
for (const s of planVars.steps) if (s.kind === 'conv' || s.kind === 'depthwise') {
  s.filter = tf.variable(s.filter, true);
  if (s.bias) s.bias = tf.variable(s.bias, true);
}
// tfjs-layers: keep only the frozen layers (≤ block_10), input resized to size×size.
const layers = src.modelTopology.model_config.config.layers.filter((l) => l.class_name === 'InputLayer' || l.config.trainable === false);
const topo = structuredClone(src.modelTopology);
topo.model_config.config.layers = structuredClone(layers);
topo.model_config.config.layers[0].config.batch_input_shape = [null, size, size, 3];
topo.model_config.config.output_layers = taps.map((t) => [t, 0, 0]);
delete topo.training_config;
const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topo, weightSpecs: src.weightsManifest[0].weights, weightData: src.weightData }), { strict: false });

const cases = {
  'A0  forward only (ours)': () => lossOf(net.features(x)),
  'A   ours: plain tensors, tf.grad(x)': () => tf.grad((xx) => lossOf(net.features(xx)))(x),
  'B   weights as Variables, tf.variableGrads (all)': () => Object.values(tf.variableGrads(() => lossOf(runPlan(planVars, x))).grads),
  'C   tfjs-layers model (≤ block_10), tf.grad(x)': () => tf.grad((xx) => lossOf(model.apply(xx, { training: false })))(x),
};
const cpu = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const wall = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let r = 0; r <= rounds; r++) {
  for (const [k, fn] of Object.entries(cases)) {
    const c0 = process.cpuUsage(); const t0 = performance.now();
    tf.tidy(() => { const out = fn(); (Array.isArray(out) ? out : [out]).forEach((g) => g.dataSync()); });
    const c = process.cpuUsage(c0);
    if (r > 0) { cpu[k].push((c.user + c.system) / 1000); wall[k].push(performance.now() - t0); } // round 0 = warm-up
  }
}
const med = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
console.log(`tfjs ${tf.version.tfjs} cpu backend, input 1×${size}×${size}×3, taps ${taps.join(', ')}, ${rounds} rounds`);
for (const k of Object.keys(cases)) console.log(`${k.padEnd(60)} cpu ${med(cpu[k]).toFixed(0).padStart(6)} ms   wall ${med(wall[k]).toFixed(0).padStart(6)} ms`);
const A = med(cpu[Object.keys(cases)[1]]);
for (const k of Object.keys(cases).slice(2)) console.log(`${k.slice(0, 3).trim()} / A = ${(med(cpu[k]) / A).toFixed(2)}×`);
