export * from './lossnet-node.js';
export * from './backend-node.js';
export * from './files.js';
export * from './fast-kernels-node.js';
