export * from './adam.js';
export * from './checkpoint.js';
export * from './clip.js';
export { crc32 } from './crc32.js';
export * from './schedule.js';
export * from './trainer.js';
export * from './step-seed.js';
