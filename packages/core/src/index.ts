// @stylepack/core: everything here runs unchanged in Node and in the browser.
// Node-only helpers (files, atomic writes, Node backend set-up) live in '@stylepack/core/node'.
export * from './model/index.js';
export * from './losses/index.js';
export * from './lossnet/index.js';
export * from './backend/index.js';
export * from './pack/index.js';
export * from './train/index.js';
export * from './image/index.js';
export * from './optimize/index.js';
