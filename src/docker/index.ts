export * from './client.js';
export * from './labels.js';
export * from './containers.js';
export * from './images.js';
export * from './build-image.js';
export * from './build-memory-cap.js';
export * from './one-off.js';
