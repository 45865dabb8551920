export * from './adversarial.js';
export * from './perceptual.js';
