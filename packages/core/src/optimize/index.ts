export * from './optimize.js';
