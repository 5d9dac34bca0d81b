// First: V8's tiering of HDF5's WebAssembly is set before h5wasm compiles it (on import).
import './wasmTiering.js';
import h5wasm from 'h5wasm/node';
import { Module } from 'h5wasm/node';

export { Module };

/** The h5wasm module namespace (File, Dataset, Group ...), typed as the package exports it. */
export type H5 = typeof h5wasm;

/** h5wasm, once its WebAssembly HDF5 library has been instantiated (the first call pays for it, later calls are free). */
export async function loadH5(): Promise<H5> {
  await h5wasm.ready;
  return h5wasm;
}

/** The innermost message of an HDF5 error stack (`#006: ... in H5F__super_read(): truncated file: ...`). */
function innermostHdf5Message(diagnostics: string): string {
  const frames = [...diagnostics.matchAll(/#\d+: .* in [\w.]+\(\): (.+)/g)].map((m) => m[1]!.trim());
  return frames.at(-1) ?? diagnostics.split('\n')[0]!.trim();
}

/**
 * Runs `fn` (which opens or reads HDF5 files) with HDF5's error printing turned into exceptions: HDF5
 * normally prints its whole error stack ("HDF5-DIAG: Error detected ...") on stderr beside fairpod's own
 * error. Inside `fn` an HDF5 failure throws an `Error` carrying the stack's innermost message instead.
 * h5wasm must be loaded (`loadH5`) first.
 */
export function quietHdf5<T>(fn: () => T): T {
  Module.activate_throwing_error_handler();
  try {
    return fn();
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    if (!text.includes('HDF5-DIAG')) throw err;
    throw new Error(`HDF5: ${innermostHdf5Message(text)}`, { cause: err });
  } finally {
    Module.deactivate_throwing_error_handler();
  }
}
