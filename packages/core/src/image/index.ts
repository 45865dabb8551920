export * from './convert.js';
export * from './colors.js';
export * from './tiles.js';
export * from './texture-scale.js';
export * from './border.js';
