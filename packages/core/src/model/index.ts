export * from './layers.js';
export * from './params.js';
export * from './generator.js';
export * from './discriminator.js';
