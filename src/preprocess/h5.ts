import h5wasm from 'h5wasm/node';

/** The h5wasm module namespace (File, Dataset, Group ...), typed as the package exports it. */
export type H5 = typeof h5wasm;

/** h5wasm, once its WebAssembly HDF5 library has been instantiated (the first call pays for it, later calls are free). */
export async function loadH5(): Promise<H5> {
  await h5wasm.ready;
  return h5wasm;
}
