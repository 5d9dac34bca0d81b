import { NetcdfWriter } from './netcdfWriter.js';
import type { WritableDtype } from './netcdfWriter.js';
import type { NcAttributeValue, NcDtype } from './ncTypes.js';
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
    const slabs = writeData(ds, writer, timeOut, options.sliceBytes ?? DEFAULT_SLICE_BYTES);
    await writer.close();
    return slabs;
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/**
 * Streams the data: per chunk, batches of time steps, each read as one hyperslab, transformed, then written.
 * Returns the number of slabs.
 */
function writeData(
  ds: VariableDataset,
  writer: NetcdfWriter,
  timeOut: string | undefined,
  sliceBytes: number,
): number {
  const perStep = ds.dimensions.filter((d) => d !== timeOut).reduce((n, d) => n * writer.dimensionSize(d), 1);
  const batch = Math.max(1, Math.floor(sliceBytes / (perStep * 8)));
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
  let t = 0;
  let slabs = 0;
  for (const s of ds.sources) {
    for (let i = s.timeStart; i < s.timeEnd; i += batch) {
      const n = Math.min(batch, s.timeEnd - i);
      let values;
      try {
        values = asFloat(s.reader.read(ds.nativeName, slabOf(i, n)), ds.dtype);
      } catch (err) {
        throw ds.error(
          `cannot read ${ds.nativeName} steps ${i}..${i + n - 1} from ${s.path}: ${(err as Error).message}`,
          'the file may be truncated; fetch it again',
          s.path,
        );
      }
      const slab = ds.dimensions.map((_, k): [number, number] | undefined =>
        k === timeAt ? [t, t + n] : undefined,
      );
      writer.writeSlab(ds.name, slab, process(s.path, values));
      t += n;
      slabs++;
    }
  }
  return slabs;
}

/** Dimension coordinates first, then the rest (bounds, scalar and auxiliary coordinates). */
function rank(c: { name: string; dimensions: string[] }): number {
  return c.dimensions.length === 1 && c.dimensions[0] === c.name ? 0 : 1;
}

function writable(dtype: NcDtype): WritableDtype {
  return dtype === 'char' || dtype === 'i8' ? 'f8' : dtype;
}
