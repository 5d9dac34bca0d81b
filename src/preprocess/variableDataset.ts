import { FairpodError } from '../core/errors.js';
import { openNetcdf } from './netcdfReader.js';
import type { NetcdfReader } from './netcdfReader.js';
import type { NcAttributeValue, NcDtype, NumericArray } from './ncTypes.js';
import { TimeUnits } from './timeUnits.js';

/** CF axis of a coordinate. */
export type Axis = 'T' | 'Z' | 'Y' | 'X';

/** A coordinate (or bounds, or scalar coordinate) variable, small enough to hold in memory. */
export interface CoordinateVariable {
  name: string;
  dimensions: string[];
  dtype: NcDtype;
  data: Float64Array;
  attributes: Record<string, NcAttributeValue>;
  /** The axis of a coordinate variable (undefined for bounds and auxiliary variables). */
  axis?: Axis;
}

/** One input file (time chunk): where it is, its own time axis, and the time steps still selected. */
export interface SourceChunk {
  path: string;
  reader: NetcdfReader;
  /** The chunk's time values, encoded in `timeUnits`. */
  time: Float64Array;
  /** `[start, end]` pairs per step, in `timeUnits`, when the file has time bounds. */
  timeBounds?: Float64Array;
  timeUnits: TimeUnits;
  /** Selected steps: `[timeStart, timeEnd)` indices into the file's time dimension. */
  timeStart: number;
  timeEnd: number;
}

/** An in-place transformation of a slab of data values (unit conversion, rate → flux ...). */
export type SlabTransform = (values: Float32Array | Float64Array) => void;

/**
 * One variable across its time chunks, as the preprocessing steps see and change it. It is lazy: steps edit
 * metadata, pick indices and queue slab transforms; data is only read (slab by slab) when the result is written.
 */
export class VariableDataset {
  /** The variable's current name (the native one until renamed). */
  name: string;
  /** Its name in the files. */
  readonly nativeName: string;
  /** Current dimensions of the output, in order (names after renaming). */
  dimensions: string[];
  /** The variable's dimensions in the files. */
  readonly sourceDimensions: string[];
  /** Output storage type (packed integers are unpacked to float). */
  dtype: NcDtype;
  attributes: Record<string, NcAttributeValue>;
  /** Coordinates, bounds and scalar coordinates by current name. */
  readonly coordinates = new Map<string, CoordinateVariable>();
  /** Output dimension name → source dimension name (tracks renaming). */
  readonly dimensionSource = new Map<string, string>();
  /** Levels selected on source dimensions (level extraction): source dimension → index. */
  readonly selectedIndex = new Map<string, number>();
  readonly transforms: SlabTransform[] = [];
  /** One line per step that changed something, oldest first. */
  readonly history: string[] = [];
  globalAttributes: Record<string, NcAttributeValue>;
  /** The source dimension along which chunks are concatenated, if the variable has a time axis. */
  readonly timeDimension?: string;
  /** Attributes of the time coordinate (units and calendar are those of the first chunk until concatenation). */
  timeAttributes: Record<string, NcAttributeValue>;
  /** True once the chunks share one time encoding and are ordered (set by the concatenation step). */
  concatenated = false;

  private constructor(
    nativeName: string,
    readonly sources: SourceChunk[],
    first: NetcdfReader,
  ) {
    const info = first.variable(nativeName);
    this.name = nativeName;
    this.nativeName = nativeName;
    this.sourceDimensions = info.dimensions;
    this.dimensions = [...info.dimensions];
    for (const d of info.dimensions) this.dimensionSource.set(d, d);
    const packed = info.attributes.scale_factor !== undefined || info.attributes.add_offset !== undefined;
    this.dtype = packed || info.dtype === 'i8' ? 'f4' : info.dtype;
    this.attributes = { ...info.attributes };
    this.globalAttributes = { ...first.attributes };
    this.timeDimension = info.dimensions.find((d) => axisOf(first, d) === 'T');
    this.timeAttributes =
      this.timeDimension && first.hasVariable(this.timeDimension)
        ? { ...first.variable(this.timeDimension).attributes }
        : {};
    if (packed) this.unpack(info.attributes);
    this.readCoordinates(first, info.attributes);
  }

  /** Opens every file and checks that each holds the variable; the error names the file and the variable. */
  static async open(files: string[], nativeName: string): Promise<VariableDataset> {
    if (files.length === 0)
      throw new FairpodError(`no files to preprocess for ${nativeName}`, { location: { key: nativeName } });
    const sources: SourceChunk[] = [];
    try {
      for (const file of files) {
        const reader = await openNetcdf(file);
        sources.push(chunkOf(file, reader, nativeName));
      }
      return new VariableDataset(nativeName, sources, sources[0].reader);
    } catch (err) {
      for (const s of sources) s.reader.close();
      throw err;
    }
  }

  /** The output dimension (current name) that came from `sourceDimension`, if it is still there. */
  outputDimension(sourceDimension: string): string | undefined {
    for (const [out, src] of this.dimensionSource) if (src === sourceDimension) return out;
    return undefined;
  }

  /** The coordinate variable of an axis (by its current name), if any. */
  coordinateOfAxis(axis: Axis): CoordinateVariable | undefined {
    for (const c of this.coordinates.values()) if (c.axis === axis) return c;
    return undefined;
  }

  /** Number of time steps still selected. */
  get timeSteps(): number {
    return this.sources.reduce((n, s) => n + (s.timeEnd - s.timeStart), 0);
  }

  /** A located error about this variable (first file unless another is named). */
  error(message: string, hint: string, file = this.sources[0]?.path): FairpodError {
    return new FairpodError(message, { location: { file, key: this.nativeName }, hint });
  }

  close(): void {
    for (const s of this.sources) s.reader.close();
  }

  private unpack(attrs: Record<string, NcAttributeValue>): void {
    const scale = Number(attrs.scale_factor ?? 1);
    const offset = Number(attrs.add_offset ?? 0);
    // Packed fill values are compared before unpacking; the output's fill is stated in unpacked terms.
    const fill = attrs._FillValue ?? attrs.missing_value;
    delete this.attributes.scale_factor;
    delete this.attributes.add_offset;
    if (fill !== undefined) {
      const packedFill = Number(fill);
      this.attributes._FillValue = 1e20;
      if (this.attributes.missing_value !== undefined) this.attributes.missing_value = 1e20;
      this.transforms.push((v) => {
        for (let i = 0; i < v.length; i++) v[i] = v[i] === packedFill ? 1e20 : v[i] * scale + offset;
      });
    } else {
      this.transforms.push((v) => {
        for (let i = 0; i < v.length; i++) v[i] = v[i] * scale + offset;
      });
    }
    this.history.push(`unpacked ${this.nativeName} (scale_factor ${scale}, add_offset ${offset})`);
  }

  /** Coordinates of the variable's non-time dimensions, their bounds, and the scalar coordinates it names. */
  private readCoordinates(reader: NetcdfReader, attrs: Record<string, NcAttributeValue>): void {
    const names = new Set<string>();
    for (const d of this.sourceDimensions)
      if (d !== this.timeDimension && reader.hasVariable(d)) names.add(d);
    for (const c of String(attrs.coordinates ?? '').split(/\s+/))
      if (c && reader.hasVariable(c)) names.add(c);
    for (const n of [...names]) {
      const b = reader.variable(n).attributes.bounds;
      if (typeof b === 'string' && reader.hasVariable(b)) names.add(b);
    }
    for (const name of names) {
      const info = reader.variable(name);
      if (info.dimensions.includes(this.timeDimension ?? '\0')) continue;
      for (const d of info.dimensions) this.dimensionSource.set(d, d);
      this.coordinates.set(name, {
        name,
        dimensions: info.dimensions,
        dtype: info.dtype === 'f4' ? 'f4' : 'f8',
        data: Float64Array.from(reader.read(name)),
        attributes: { ...info.attributes },
        axis: axisOf(reader, name),
      });
    }
  }
}

/** Opens one chunk's time axis (and bounds) in its own encoding. */
function chunkOf(file: string, reader: NetcdfReader, nativeName: string): SourceChunk {
  const info = reader.variable(nativeName);
  const timeDim = info.dimensions.find((d) => axisOf(reader, d) === 'T');
  if (!timeDim) {
    // A field without time (e.g. fx): nothing to crop or concatenate; the first file is written whole.
    return {
      path: file,
      reader,
      time: new Float64Array(0),
      timeUnits: TimeUnits.parse('days since 1970-01-01', 'standard'),
      timeStart: 0,
      timeEnd: 0,
    };
  }
  const timeInfo = reader.variable(timeDim);
  const where = { file, key: `${timeDim}:units` };
  const units = TimeUnits.parse(
    String(timeInfo.attributes.units ?? ''),
    timeInfo.attributes.calendar as string | undefined,
    where,
  );
  const time = Float64Array.from(reader.read(timeDim));
  const b = timeInfo.attributes.bounds;
  const timeBounds =
    typeof b === 'string' && reader.hasVariable(b) ? Float64Array.from(reader.read(b)) : undefined;
  return { path: file, reader, time, timeBounds, timeUnits: units, timeStart: 0, timeEnd: time.length };
}

const PRESSURE_UNITS = /^(pa|hpa|mb|mbar|millibar|bar|kpa|atm)$/i;

/** The CF axis of a coordinate variable: from `axis`, then `standard_name`, then units, then the usual names. */
export function axisOf(reader: NetcdfReader, name: string): Axis | undefined {
  if (!reader.hasVariable(name)) return /^(time|t)$/i.test(name) ? 'T' : undefined;
  const a = reader.variable(name).attributes;
  const axis = String(a.axis ?? '').toUpperCase();
  if (axis === 'T' || axis === 'Z' || axis === 'Y' || axis === 'X') return axis;
  const std = String(a.standard_name ?? '');
  const units = String(a.units ?? '').trim();
  if (std === 'time' || / since /i.test(units)) return 'T';
  if (std === 'latitude' || /^degrees?_?n(orth)?$/i.test(units)) return 'Y';
  if (std === 'longitude' || /^degrees?_?e(ast)?$/i.test(units)) return 'X';
  if (std === 'air_pressure' || a.positive !== undefined || PRESSURE_UNITS.test(units)) return 'Z';
  if (/^(lat|latitude)$/i.test(name)) return 'Y';
  if (/^(lon|longitude)$/i.test(name)) return 'X';
  if (/^(lev|plev|level|pfull|phalf)$/i.test(name)) return 'Z';
  return undefined;
}

/** Reads a data slab as float (the transforms work on floats; packed integers become float32). */
export function asFloat(values: NumericArray, dtype: NcDtype): Float32Array | Float64Array {
  if (values instanceof Float32Array || values instanceof Float64Array) return values;
  return dtype === 'f8' ? Float64Array.from(values) : Float32Array.from(values);
}
