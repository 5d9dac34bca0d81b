import v8 from 'node:v8';

/**
 * V8's budget for re-compiling a WebAssembly function with its optimizing compiler (TurboFan), roughly bytes
 * of the function's code run with the baseline one (Liftoff) first; V8 11's default is 1 800 000.
 */
export const WASM_TIERING_BUDGET = 180_000_000;

// Imported before h5wasm (by h5.ts), so that it applies to HDF5's WebAssembly. With V8's default budget, a
// preprocessing that reads its data without HDF5 (hdf5Storage.ts) still has V8 optimize hundreds of HDF5's
// functions that have run for a moment (opening files, attributes, writing), in background threads: about
// 80 ms of CPU of a 0.4 s run, which on a busy 2-core machine is wall time (measured 389 ms → 374 ms, user
// time 394 ms → 336 ms). With 100 times the budget, what runs long (inflating deflated chunks, copying) is
// still optimized (a read of 60 deflated chunks took as long). V8 knows this flag since version 9.
if (Number(process.versions.v8.split('.')[0]) >= 10)
  v8.setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
