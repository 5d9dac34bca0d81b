/**
 * A worker thread of `SlabReaderPool`: reads hyperslabs of netCDF variables with its own h5wasm (or
 * netCDF-3) reader and sends the values back, their buffer transferred, not copied. Decompressing chunks is
 * most of the work of preprocessing a deflated file, and each worker decompresses its own slabs.
 */
import 'reflect-metadata';
import { parentPort } from 'node:worker_threads';
import { openNetcdf } from './netcdfReader.js';
import type { NetcdfReader } from './readerContract.js';
import type { SlabRequest, SlabResponse } from './slabReaderPool.js';

const readers = new Map<string, Promise<NetcdfReader>>();

parentPort!.on('message', (request: SlabRequest | 'close') => {
  if (request === 'close') {
    for (const r of readers.values()) void r.then((reader) => reader.close());
    parentPort!.close();
    return;
  }
  void (async () => {
    let response: SlabResponse;
    try {
      let reader = readers.get(request.path);
      if (!reader) readers.set(request.path, (reader = openNetcdf(request.path)));
      const values = (await reader).read(request.name, request.slab);
      // A view on a larger buffer would transfer the whole buffer (or fail on wasm memory): send its own copy.
      const own = values.byteLength === values.buffer.byteLength ? values : values.slice();
      response = { id: request.id, values: own };
      parentPort!.postMessage(response, [own.buffer as ArrayBuffer]);
    } catch (err) {
      response = { id: request.id, error: err instanceof Error ? err.message : String(err) };
      parentPort!.postMessage(response);
    }
  })();
});
