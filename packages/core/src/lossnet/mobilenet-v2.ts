// A frozen, inference-only MobileNetV2 trunk built from a Keras (2.x) topology + weights,
// evaluated with plain tfjs ops. Universal code: no fs, no Node APIs.
//
// Why not tfjs-layers: its Conv2D/DepthwiseConv2D run through tf.fused.*, whose custom gradient
// computes the filter (and bias) gradients eagerly even when only d/dinput is needed. Here the
// weights are plain tensors (not Variables) and the ops are unfused, so the tape prunes every path
// that does not lead to the input: a backward pass spends no work on filter gradients.
//
// BatchNormalization layers that directly follow a convolution are folded into it at load time
// (W' = W·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε)), so the forward is conv → +bias → relu6 per stage.
import * as tf from '@tensorflow/tfjs';

/** One entry of a tfjs weights manifest group (subset we rely on). */
interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}
interface ManifestGroup {
  paths?: string[];
  weights: ManifestWeight[];
}

interface KerasLayer {
  class_name: string;
  name?: string;
  config: Record<string, unknown> & { name: string };
  inbound_nodes: unknown[];
}

/** A step of the forward plan. Each step writes the tensor named `out`. */
export type PlanStep =
  | { kind: 'input'; out: string }
  | { kind: 'pad'; out: string; input: string; padding: [[number, number], [number, number]] }
  | {
      kind: 'conv' | 'depthwise';
      out: string;
      input: string;
      /** [kh, kw, cin, cout] for conv, [kh, kw, cin, mult] for depthwise; BN already folded in. */
      filter: tf.Tensor4D;
      bias: tf.Tensor1D | null;
      strides: [number, number];
      pad: 'same' | 'valid';
      dilations: [number, number];
      /** Names of the layers folded into this step (the conv, then its BN). */
      layers: string[];
    }
  | { kind: 'affine'; out: string; input: string; scale: tf.Tensor1D; shift: tf.Tensor1D }
  | { kind: 'relu'; out: string; input: string; maxValue: number | null }
  | { kind: 'add'; out: string; inputs: string[] };

export interface MobileNetPlan {
  steps: PlanStep[];
  /** The requested taps, in request order. */
  taps: string[];
  /** The number of weight entries actually decoded (those up to the deepest tap). */
  decodedWeights: number;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2, bool: 1 };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readLayers(modelTopology: unknown): KerasLayer[] {
  if (!isRecord(modelTopology)) throw new Error('MobileNet source: modelTopology is not an object.');
  // Keras-exported model.json: { model_config: { class_name: 'Model', config: { layers } } };
  // also accept a bare model_config or a bare { layers }.
  const mc = isRecord(modelTopology.model_config) ? modelTopology.model_config : modelTopology;
  const cfg = isRecord(mc.config) ? mc.config : mc;
  const layers = cfg.layers;
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new Error('MobileNet source: no Keras layers found under modelTopology.model_config.config.layers.');
  }
  for (const l of layers) {
    if (!isRecord(l) || typeof l.class_name !== 'string' || !isRecord(l.config) || typeof l.config.name !== 'string') {
      throw new Error('MobileNet source: a layer entry is malformed (needs class_name and config.name).');
    }
  }
  return layers as unknown as KerasLayer[];
}

function inboundNames(layer: KerasLayer): string[] {
  const nodes = layer.inbound_nodes;
  if (!Array.isArray(nodes) || nodes.length === 0) return [];
  if (nodes.length > 1) throw new Error(`MobileNet source: layer ${layer.config.name} is shared (${nodes.length} call sites); not supported.`);
  const node = nodes[0];
  if (!Array.isArray(node)) throw new Error(`MobileNet source: inbound node of ${layer.config.name} is malformed.`);
  return node.map((e) => {
    if (!Array.isArray(e) || typeof e[0] !== 'string') throw new Error(`MobileNet source: inbound node of ${layer.config.name} is malformed.`);
    if (e[1] !== 0 || e[2] !== 0) throw new Error(`MobileNet source: ${layer.config.name} reads a non-primary output of ${e[0]}; not supported.`);
    return e[0];
  });
}

function pair(v: unknown, what: string, layer: string): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((n) => typeof n === 'number')) return [v[0] as number, v[1] as number];
  throw new Error(`MobileNet source: ${layer}.${what} is not a pair of numbers.`);
}

/**
 * Build the forward plan for `taps` from a Keras topology and the raw weight bytes (all manifest
 * groups concatenated in manifest order). Only the layers the taps depend on are planned, and only
 * their weights are decoded (with tf.io.decodeWeights, which dequantizes uint8/uint16/float16).
 * `allowTrainable`: by default a tap may only depend on layers marked `trainable: false` (in the
 * nsfwjs model these are exactly the ImageNet-frozen layers up to block_10).
 */
export function buildMobileNetPlan(
  modelTopology: unknown,
  weightsManifest: unknown,
  weightData: ArrayBuffer,
  taps: readonly string[],
  opts: { allowTrainable?: boolean } = {},
): MobileNetPlan {
  if (taps.length === 0) throw new Error('createLossNetwork: give at least one tap.');
  const layers = readLayers(modelTopology);
  const byName = new Map<string, KerasLayer>();
  const order = new Map<string, number>();
  layers.forEach((l, i) => {
    byName.set(l.config.name, l);
    order.set(l.config.name, i);
  });
  const inputsOf = new Map<string, string[]>();
  const consumers = new Map<string, string[]>();
  for (const l of layers) {
    const ins = inboundNames(l);
    inputsOf.set(l.config.name, ins);
    for (const i of ins) consumers.set(i, [...(consumers.get(i) ?? []), l.config.name]);
  }

  // Everything the taps depend on.
  const needed = new Set<string>();
  const stack: string[] = [];
  for (const t of taps) {
    if (!byName.has(t)) {
      const near = layers.map((l) => l.config.name).filter((n) => /_relu$|_add$/.test(n)).slice(0, 40);
      throw new Error(`createLossNetwork: unknown tap "${t}". Layer outputs that make good taps: ${near.join(', ')}…`);
    }
    stack.push(t);
  }
  while (stack.length) {
    const n = stack.pop()!;
    if (needed.has(n)) continue;
    needed.add(n);
    for (const i of inputsOf.get(n) ?? []) stack.push(i);
  }
  if (!opts.allowTrainable) {
    for (const n of needed) {
      const l = byName.get(n)!;
      if (l.class_name !== 'InputLayer' && l.config.trainable !== false) {
        throw new Error(
          `createLossNetwork: a tap depends on layer "${n}", which was retrained after ImageNet (trainable in the source model). ` +
            'Use taps up to block_10 (e.g. block_10_expand_relu).',
        );
      }
    }
  }

  // Decode only the weights of needed layers, slicing their bytes out of the buffer.
  const groups = weightsManifest as ManifestGroup[];
  if (!Array.isArray(groups)) throw new Error('MobileNet source: weightsManifest is not an array of groups.');
  const weights = new Map<string, tf.Tensor>();
  let offset = 0;
  let decoded = 0;
  for (const g of groups) {
    for (const w of g.weights) {
      const elems = w.shape.reduce((a, b) => a * b, 1);
      const bytesPer = BYTES[w.quantization ? w.quantization.dtype : w.dtype];
      if (bytesPer === undefined) throw new Error(`MobileNet source: weight ${w.name} has unsupported dtype.`);
      const len = elems * bytesPer;
      const layerName = w.name.slice(0, w.name.lastIndexOf('/'));
      if (needed.has(layerName)) {
        if (offset + len > weightData.byteLength) throw new Error(`MobileNet source: weight data too short for ${w.name}.`);
        const map = tf.io.decodeWeights(weightData.slice(offset, offset + len), [w as tf.io.WeightsManifestEntry]);
        weights.set(w.name, map[w.name]);
        decoded++;
      }
      offset += len;
    }
  }
  if (offset !== weightData.byteLength) {
    weights.forEach((t) => t.dispose());
    throw new Error(`MobileNet source: manifest describes ${offset} bytes but weight data has ${weightData.byteLength}.`);
  }
  const take = (layer: string, param: string, required = true): tf.Tensor | null => {
    const t = weights.get(`${layer}/${param}`) ?? null;
    if (!t && required) throw new Error(`MobileNet source: missing weight ${layer}/${param}.`);
    return t;
  };

  const steps: PlanStep[] = [];
  const alias = new Map<string, string>(); // Keras output name → plan tensor name
  const src = (n: string): string => alias.get(n) ?? n;
  const folded = new Set<string>();
  try {
    const sorted = [...needed].sort((a, b) => order.get(a)! - order.get(b)!);
    for (const name of sorted) {
      if (folded.has(name)) continue;
      const l = byName.get(name)!;
      const c = l.config;
      const ins = (inputsOf.get(name) ?? []).map(src);
      switch (l.class_name) {
        case 'InputLayer':
          steps.push({ kind: 'input', out: name });
          break;
        case 'ZeroPadding2D': {
          const p = c.padding;
          let padding: [[number, number], [number, number]];
          if (typeof p === 'number') padding = [[p, p], [p, p]];
          else if (Array.isArray(p) && p.length === 2 && p.every((q) => typeof q === 'number')) {
            padding = [[p[0] as number, p[0] as number], [p[1] as number, p[1] as number]];
          } else if (Array.isArray(p) && p.length === 2) padding = [pair(p[0], 'padding', name), pair(p[1], 'padding', name)];
          else throw new Error(`MobileNet source: ${name}.padding is malformed.`);
          if (c.data_format && c.data_format !== 'channels_last') throw new Error(`MobileNet source: ${name} is not channels_last.`);
          steps.push({ kind: 'pad', out: name, input: ins[0], padding });
          break;
        }
        case 'Conv2D':
        case 'DepthwiseConv2D': {
          const depthwise = l.class_name === 'DepthwiseConv2D';
          if (c.activation && c.activation !== 'linear') throw new Error(`MobileNet source: ${name} has activation ${String(c.activation)}; only linear is supported.`);
          if (c.data_format && c.data_format !== 'channels_last') throw new Error(`MobileNet source: ${name} is not channels_last.`);
          const pad = c.padding === 'same' ? 'same' : c.padding === 'valid' ? 'valid' : null;
          if (!pad) throw new Error(`MobileNet source: ${name}.padding ${String(c.padding)} not supported.`);
          let filter = take(name, depthwise ? 'depthwise_kernel' : 'kernel')! as tf.Tensor4D;
          let bias = c.use_bias ? (take(name, 'bias')! as tf.Tensor1D) : null;
          const layerNames = [name];
          let out = name;
          // Fold a BatchNormalization that is this conv's only consumer.
          const cons = consumers.get(name) ?? [];
          const bnName = cons.length === 1 ? cons[0] : undefined;
          const bn = bnName ? byName.get(bnName) : undefined;
          if (bn && bnName && bn.class_name === 'BatchNormalization' && needed.has(bnName) && !taps.includes(name)) {
            const { scale, shift } = bnAffine(bn, take);
            const cout = scale.shape[0];
            const fShape = filter.shape;
            const s4 = depthwise ? tf.reshape(scale, [1, 1, fShape[2], fShape[3]]) : tf.reshape(scale, [1, 1, 1, cout]);
            const newFilter = tf.mul(filter, s4) as tf.Tensor4D;
            const newBias = bias ? (tf.add(tf.mul(bias, scale), shift) as tf.Tensor1D) : (tf.clone(shift) as tf.Tensor1D);
            [s4, scale, shift].forEach((t) => t.dispose());
            filter = newFilter;
            bias = newBias;
            layerNames.push(bnName);
            folded.add(bnName);
            out = bnName;
          } else {
            filter = tf.clone(filter);
            bias = bias ? tf.clone(bias) : null;
          }
          const strides = pair(c.strides ?? 1, 'strides', name);
          const dilations = pair(c.dilation_rate ?? 1, 'dilation_rate', name);
          steps.push({
            kind: depthwise ? 'depthwise' : 'conv',
            out,
            input: ins[0],
            filter,
            bias,
            strides,
            pad,
            dilations,
            layers: layerNames,
          });
          break;
        }
        case 'BatchNormalization': {
          const { scale, shift } = bnAffine(l, take);
          steps.push({ kind: 'affine', out: name, input: ins[0], scale, shift });
          break;
        }
        case 'ReLU': {
          if ((c.negative_slope ?? 0) !== 0 || (c.threshold ?? 0) !== 0) throw new Error(`MobileNet source: ${name} is a leaky/thresholded ReLU; not supported.`);
          const mv = c.max_value;
          steps.push({ kind: 'relu', out: name, input: ins[0], maxValue: typeof mv === 'number' ? mv : null });
          break;
        }
        case 'Activation': {
          if (c.activation !== 'relu' && c.activation !== 'relu6') throw new Error(`MobileNet source: ${name} activation ${String(c.activation)} not supported.`);
          steps.push({ kind: 'relu', out: name, input: ins[0], maxValue: c.activation === 'relu6' ? 6 : null });
          break;
        }
        case 'Add':
          steps.push({ kind: 'add', out: name, inputs: ins });
          break;
        default:
          throw new Error(`MobileNet source: layer ${name} (${l.class_name}) is not supported by the loss network.`);
      }
      // A tap on a folded BN name resolves to the conv step's output, which is named after the BN.
    }
  } catch (e) {
    disposePlanSteps(steps);
    throw e;
  } finally {
    weights.forEach((t) => t.dispose());
  }
  return { steps, taps: [...taps], decodedWeights: decoded };
}

function bnAffine(
  bn: KerasLayer,
  take: (layer: string, param: string, required?: boolean) => tf.Tensor | null,
): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
  const name = bn.config.name;
  const c = bn.config;
  if (c.axis !== undefined && c.axis !== -1 && c.axis !== 3 && !(Array.isArray(c.axis) && c.axis.length === 1 && (c.axis[0] === -1 || c.axis[0] === 3))) {
    throw new Error(`MobileNet source: ${name} normalizes axis ${JSON.stringify(c.axis)}; only the channel axis is supported.`);
  }
  const eps = typeof c.epsilon === 'number' ? c.epsilon : 1e-3;
  const mean = take(name, 'moving_mean')!;
  const variance = take(name, 'moving_variance')!;
  const gamma = c.scale === false ? null : take(name, 'gamma')!;
  const beta = c.center === false ? null : take(name, 'beta')!;
  return tf.tidy(() => {
    let scale = tf.rsqrt(tf.add(variance, eps));
    if (gamma) scale = tf.mul(scale, gamma);
    let shift = tf.neg(tf.mul(mean, scale));
    if (beta) shift = tf.add(shift, beta);
    return { scale: scale as tf.Tensor1D, shift: shift as tf.Tensor1D };
  });
}

export function disposePlanSteps(steps: PlanStep[]): void {
  for (const s of steps) {
    if (s.kind === 'conv' || s.kind === 'depthwise') {
      s.filter.dispose();
      s.bias?.dispose();
    } else if (s.kind === 'affine') {
      s.scale.dispose();
      s.shift.dispose();
    }
  }
}

/**
 * Run the plan on an already-preprocessed NHWC input; returns the tap tensors in `taps` order
 * (default plan.taps; a subset of them runs the plan only as far as they need).
 * Call inside tf.tidy (intermediates are not disposed here) — LossNetwork.features does.
 */
export function runPlan(plan: MobileNetPlan, x: tf.Tensor4D, taps: readonly string[] = plan.taps): tf.Tensor4D[] {
  const env = new Map<string, tf.Tensor4D>();
  const get = (n: string): tf.Tensor4D => {
    const t = env.get(n);
    if (!t) throw new Error(`loss network: tensor ${n} is not computed yet (bad plan order).`);
    return t;
  };
  // The plan is in topological order: stop after the last step a requested tap needs (a tap at
  // block 6 skips the rest of the network).
  const wanted = new Set(taps);
  let remaining = wanted.size;
  for (const s of plan.steps) {
    if (remaining === 0) break;
    let y: tf.Tensor4D;
    switch (s.kind) {
      case 'input':
        y = x;
        break;
      case 'pad':
        y = tf.pad(get(s.input), [[0, 0], s.padding[0], s.padding[1], [0, 0]]);
        break;
      case 'conv':
        y = tf.conv2d(get(s.input), s.filter, s.strides, s.pad, 'NHWC', s.dilations);
        if (s.bias) y = tf.add(y, s.bias);
        break;
      case 'depthwise':
        y = tf.depthwiseConv2d(get(s.input), s.filter, s.strides, s.pad, 'NHWC', s.dilations);
        if (s.bias) y = tf.add(y, s.bias);
        break;
      case 'affine':
        y = tf.add(tf.mul(get(s.input), s.scale), s.shift);
        break;
      case 'relu':
        y = s.maxValue === 6 ? tf.relu6(get(s.input)) : s.maxValue === null ? tf.relu(get(s.input)) : tf.clipByValue(get(s.input), 0, s.maxValue);
        break;
      case 'add':
        y = s.inputs.map(get).reduce((a, b) => tf.add(a, b));
        break;
    }
    env.set(s.out, y);
    if (wanted.has(s.out)) remaining--;
  }
  return taps.map(get);
}
