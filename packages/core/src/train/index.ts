export * from './adam.js';
export * from './checkpoint.js';
export * from './clip.js';
export * from './schedule.js';
export * from './trainer.js';
