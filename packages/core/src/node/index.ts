export * from './backend-node.js';
export * from './files.js';
