/** The write-once, hash-verified content store. */
export * from './contentStore.js';
export * from './errors.js';
export * from './hashing.js';
