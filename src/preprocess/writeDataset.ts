import { NetcdfWriter } from './netcdfWriter.js';
import type { WritableDtype } from './netcdfWriter.js';
import { DTYPE_BYTES, product } from './ncTypes.js';
import type { NcAttributeValue, NcDtype, NumericArray } from './ncTypes.js';
import { readerThreads, SlabReaderPool } from './slabReaderPool.js';
import { asFloat } from './variableDataset.js';
import type { VariableDataset } from './variableDataset.js';

/** Bytes of data (as float64) read and written per batch of time steps: bounds memory whatever the file size. */
export const DEFAULT_SLICE_BYTES = 16 << 20;

/** Options of `writeVariableDataset`. */
export interface WriteDatasetOptions {
  /** Prefix of the history lines (default `fairpod preprocess`). */
  program?: string;
  /**
   * Bytes (counted as float64) of the data read, transformed and written at once (default
   * `DEFAULT_SLICE_BYTES`): whole time steps, at least one, so memory is bounded whatever the variable's size.
   */
  sliceBytes?: number;
  /** gzip level 1-9 of the variable's data in the output (default: not compressed). */
  deflate?: number;
  /**
   * Threads reading (and decompressing) slabs while this one transforms and writes them; 0 reads here.
   * Default: `readerThreads` of the bytes to read (`FAIRPOD_PREPROCESS_READERS`, else one per core for
   * more than 256 MiB).
   */
  readers?: number;
}

/**
 * Writes a preprocessed variable to one netCDF-4 file, time slab by time slab (selected steps of each chunk in
 * order), applying the queued transforms to each slab. The file appears only when complete. Resolves with the
 * number of slabs the data was read and written in.
 */
export async function writeVariableDataset(
  ds: VariableDataset,
  outPath: string,
  options: WriteDatasetOptions = {},
): Promise<number> {
  if (ds.sources.length > 1 && !ds.concatenated) {
    throw ds.error(
      `${ds.sources.length} time chunks of ${ds.nativeName} were not concatenated`,
      'include the concatenate step in the preprocessing order',
    );
  }
  const first = ds.sources[0].reader;
  const sourceSizes = new Map(first.dimensions.map((d) => [d.name, d.size]));
  const timeOut = ds.timeDimension ? ds.outputDimension(ds.timeDimension) : undefined;
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const program = options.program ?? 'fairpod preprocess';
  const lines = ds.history.map((h) => `${stamp} ${program}: ${h}`).reverse();
  const previous = ds.globalAttributes.history;
  const globals: Record<string, NcAttributeValue> = {
    ...ds.globalAttributes,
    Conventions: String(ds.globalAttributes.Conventions ?? 'CF-1.8'),
  };
  globals.history = [...lines, ...(previous ? [String(previous)] : [])].join('\n');
  const writer = await NetcdfWriter.create(outPath, globals);
  try {
    // Dimensions: those of the variable, then those only coordinates use (bounds' `bnds` ...).
    const dims = [...ds.dimensions];
    for (const c of ds.coordinates.values())
      for (const d of c.dimensions) if (!dims.includes(d)) dims.push(d);
    for (const d of dims) {
      const size = d === timeOut ? ds.timeSteps : sourceSizes.get(ds.dimensionSource.get(d) ?? d);
      if (size === undefined)
        throw ds.error(
          `dimension ${d} of ${ds.nativeName} not found in the file`,
          'the file is not CF-conforming',
        );
      writer.defineDimension({ name: d, size, unlimited: d === timeOut });
    }
    if (timeOut) {
      const time = new Float64Array(ds.timeSteps);
      const bounds = ds.sources.every((s) => s.timeBounds) ? new Float64Array(ds.timeSteps * 2) : undefined;
      let t = 0;
      for (const s of ds.sources) {
        time.set(s.time.subarray(s.timeStart, s.timeEnd), t);
        bounds?.set(s.timeBounds!.subarray(s.timeStart * 2, s.timeEnd * 2), t * 2);
        t += s.timeEnd - s.timeStart;
      }
      const timeAttrs = { ...ds.timeAttributes };
      if (!bounds) delete timeAttrs.bounds;
      writer.defineVariable({
        name: timeOut,
        dtype: 'f8',
        dimensions: [timeOut],
        data: time,
        attributes: timeAttrs,
      });
      if (bounds) {
        const boundsName = String(timeAttrs.bounds);
        const sourceBounds = first.variable(String(first.variable(ds.timeDimension!).attributes.bounds));
        const bndsDim = ds.outputDimension(sourceBounds.dimensions[1]) ?? sourceBounds.dimensions[1];
        if (!dims.includes(bndsDim)) {
          dims.push(bndsDim);
          writer.defineDimension({ name: bndsDim, size: 2 });
        }
        writer.defineVariable({
          name: boundsName,
          dtype: 'f8',
          dimensions: [timeOut, bndsDim],
          data: bounds,
        });
      }
    }
    const coords = [...ds.coordinates.values()];
    // Dimension coordinates before the variables that use their dimension (netCDF-4 dimension scales).
    coords.sort((a, b) => rank(a) - rank(b));
    for (const c of coords) {
      writer.defineVariable({
        name: c.name,
        dtype: writable(c.dtype),
        dimensions: c.dimensions,
        data: c.data,
        attributes: c.attributes,
      });
    }
    writer.defineVariable({
      name: ds.name,
      dtype: writable(ds.dtype),
      dimensions: ds.dimensions,
      attributes: ds.attributes,
      deflate: options.deflate,
    });
    const slabs = await writeData(ds, writer, timeOut, options);
    await writer.close();
    return slabs;
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/** One slab to copy: steps `[start, start + count)` of a chunk, to output steps from `at`. */
interface SlabJob {
  chunk: VariableDataset['sources'][number];
  start: number;
  count: number;
  at: number;
}

/**
 * Streams the data: per chunk, batches of whole time steps, each read as one hyperslab, transformed, then
 * written, in order. With reader threads, the next slabs are read (and decompressed) while one is written.
 * Returns the number of slabs.
 */
async function writeData(
  ds: VariableDataset,
  writer: NetcdfWriter,
  timeOut: string | undefined,
  options: WriteDatasetOptions,
): Promise<number> {
  const perStep = ds.dimensions.filter((d) => d !== timeOut).reduce((n, d) => n * writer.dimensionSize(d), 1);
  const batch = Math.max(1, Math.floor((options.sliceBytes ?? DEFAULT_SLICE_BYTES) / (perStep * 8)));
  const timeAt = timeOut ? ds.dimensions.indexOf(timeOut) : -1;
  const slabOf = (i: number, n: number) =>
    ds.sourceDimensions.map((d): [number, number] | undefined => {
      if (d === ds.timeDimension) return [i, i + n];
      const k = ds.selectedIndex.get(d);
      return k === undefined ? undefined : [k, k + 1];
    });
  const process = (chunkPath: string, values: Float32Array | Float64Array) => {
    try {
      for (const transform of ds.transforms) transform(values);
    } catch (err) {
      throw ds.error(
        `cannot preprocess ${ds.nativeName}: ${(err as Error).message}`,
        'see the step named in the message',
        chunkPath,
      );
    }
    return values;
  };
  if (timeAt < 0) {
    const s = ds.sources[0];
    writer.writeSlab(
      ds.name,
      [],
      process(s.path, asFloat(s.reader.read(ds.nativeName, slabOf(0, 0)), ds.dtype)),
    );
    return 1;
  }
  const jobs: SlabJob[] = [];
  let t = 0;
  for (const chunk of ds.sources) {
    for (let start = chunk.timeStart; start < chunk.timeEnd; start += batch) {
      const count = Math.min(batch, chunk.timeEnd - start);
      jobs.push({ chunk, start, count, at: t });
      t += count;
    }
  }
  // Only decompressing is worth other threads (reading from the page cache is a copy); whole chunks are
  // decompressed whatever the slab, so every value of each step read counts.
  const first = ds.sources[0].reader;
  const info = first.variable(ds.nativeName);
  const stepBytes =
    (product(info.shape) / Math.max(1, info.shape[info.dimensions.indexOf(ds.timeDimension!)]!)) *
    DTYPE_BYTES[info.dtype];
  const threads =
    options.readers ?? readerThreads(first.isFiltered(ds.nativeName) ? ds.timeSteps * stepBytes : 0);
  const outSlab = (job: SlabJob) =>
    ds.dimensions.map((_, i): [number, number] | undefined =>
      i === timeAt ? [job.at, job.at + job.count] : undefined,
    );
  const readFailed = (job: SlabJob, err: unknown) =>
    ds.error(
      `cannot read ${ds.nativeName} steps ${job.start}..${job.start + job.count - 1} from ${job.chunk.path}: ${(err as Error).message}`,
      'the file may be truncated; fetch it again',
      job.chunk.path,
    );
  // Float data written in its stored type, from files whose bytes are read without HDF5 (`readRaw`): each slab
  // is read straight into the writer's HDF5 memory and transformed there, no copy made; a slab that cannot be
  // (it needs a chunk never written) is read through HDF5 and written as below.
  const direct =
    threads === 0 &&
    (ds.dtype === 'f4' || ds.dtype === 'f8') &&
    info.dtype === ds.dtype &&
    ds.sources.every((s) => s.reader.readsRaw?.(ds.nativeName));
  if (direct) {
    for (const job of jobs) {
      const filled = writer.writeSlabFilled(ds.name, outSlab(job), (values) => {
        let read;
        try {
          read = job.chunk.reader.readRaw!(ds.nativeName, slabOf(job.start, job.count), values);
        } catch (err) {
          throw readFailed(job, err);
        }
        if (read) process(job.chunk.path, values as Float32Array | Float64Array);
        return read;
      });
      if (filled) continue;
      let values;
      try {
        values = asFloat(job.chunk.reader.read(ds.nativeName, slabOf(job.start, job.count)), ds.dtype);
      } catch (err) {
        throw readFailed(job, err);
      }
      writer.writeSlab(ds.name, outSlab(job), process(job.chunk.path, values));
    }
    return jobs.length;
  }
  const pool = threads > 0 ? new SlabReaderPool(threads) : undefined;
  // Here, the read happens at once (in the promise's executor, a failure rejecting it).
  const read = (job: SlabJob): Promise<NumericArray> =>
    pool
      ? pool.read(job.chunk.path, ds.nativeName, slabOf(job.start, job.count))
      : new Promise((resolve) => resolve(job.chunk.reader.read(ds.nativeName, slabOf(job.start, job.count))));
  // Reads in flight: two per thread keep every thread busy while this one writes.
  const ahead = pool ? 2 * threads : 1;
  const inFlight: Promise<NumericArray>[] = [];
  try {
    for (let k = 0; k < jobs.length; k++) {
      while (inFlight.length < ahead && k + inFlight.length < jobs.length) {
        const next = read(jobs[k + inFlight.length]!);
        // Rejections are handled when their turn comes; until then they must not count as unhandled.
        next.catch(() => undefined);
        inFlight.push(next);
      }
      const job = jobs[k]!;
      let values;
      try {
        values = asFloat(await inFlight.shift()!, ds.dtype);
      } catch (err) {
        throw readFailed(job, err);
      }
      writer.writeSlab(ds.name, outSlab(job), process(job.chunk.path, values));
    }
  } finally {
    await pool?.close();
  }
  return jobs.length;
}

/** Dimension coordinates first, then the rest (bounds, scalar and auxiliary coordinates). */
function rank(c: { name: string; dimensions: string[] }): number {
  return c.dimensions.length === 1 && c.dimensions[0] === c.name ? 0 : 1;
}

function writable(dtype: NcDtype): WritableDtype {
  return dtype === 'char' || dtype === 'i8' ? 'f8' : dtype;
}
