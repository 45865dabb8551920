// One home for style code: pack → generator, blending, closest-style search, the learn-a-style
// loop, slug and one-style pack encoding. Used by the CLI (train, stylize, ...) and the plugin.
export * from './tables.js';
export * from './blend.js';
export * from './closest.js';
export * from './learn.js';
export * from './slug.js';
export * from './encode.js';
