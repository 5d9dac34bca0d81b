/**
 * FAIR Data Pipeline core data formats in HDF5: arrays and tables as named components of one file.
 *
 * The layout is the one the FAIR language APIs (rDataPipeline's create_array/create_table, pyDataPipeline,
 * DataPipeline.jl) write: a component is a group path inside the file; an array component holds an `array`
 * dataset plus, per axis i (1-based, in the order of `shape`), `Dimension_i_title` (one string),
 * `Dimension_i_names`, `Dimension_i_units` (one string) and `Dimension_i_values`, and a one-string `units`;
 * a table component holds a compound dataset `table` (one member per column), with optional `row_names` and
 * `column_units` string datasets. No npm library writes this layout, so it is mapped here by hand onto h5wasm.
 */
import fs from 'node:fs/promises';
import { FairpodError, ValidationError } from '../core/errors.js';
import { loadH5, type H5 } from '../preprocess/h5.js';
import { replaceAtomically } from '../store/atomicWrite.js';

type H5File = InstanceType<H5['File']>;
type H5Group = InstanceType<H5['Group']>;

/** Typed arrays an array component may hold (their element type is kept in the file). */
export type NumericTypedArray =
  Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array;

/** Metadata of one axis of an array component; every field is optional. */
export interface ArrayDimension {
  title?: string;
  /** One name per index along the axis. */
  names?: string[];
  units?: string;
  /** One value per index along the axis (e.g. coordinates). */
  values?: number[];
}

/** An n-dimensional array component: `data` in row-major order (the order h5py and h5dump show). */
export interface CoreArray {
  data: ArrayLike<number>;
  shape: number[];
  /** Per axis, in the order of `shape`; shorter than `shape` when the last axes have no metadata. */
  dimensions?: ArrayDimension[];
  units?: string;
}

/** An array component as read back: plain numbers in a typed array (a `number[]` given to write becomes float64). */
export interface ReadArray extends CoreArray {
  data: NumericTypedArray;
  dimensions: ArrayDimension[];
}

/** A table component: named columns of equal length, each all numbers (float64) or all strings. */
export interface CoreTable {
  columns: Record<string, number[] | string[]>;
  /** Units by column name; columns without one get an empty unit. */
  columnUnits?: Record<string, string>;
  rowNames?: string[];
}

/**
 * Adds array component `component` to the HDF5 file `file` (created if missing). The file is rewritten
 * through a temporary copy and renamed, so a failure leaves it as it was.
 */
export async function writeArrayComponent(file: string, component: string, array: CoreArray): Promise<void> {
  const shape = checkArray(file, component, array);
  await editFile(file, component, (group) => {
    const data = ArrayBuffer.isView(array.data)
      ? (array.data as NumericTypedArray)
      : Float64Array.from(array.data as ArrayLike<number>);
    group.create_dataset({ name: 'array', data, shape });
    (array.dimensions ?? []).forEach((dim, i) => {
      const prefix = `Dimension_${i + 1}`;
      if (dim.title !== undefined) group.create_dataset({ name: `${prefix}_title`, data: [dim.title] });
      if (dim.names) group.create_dataset({ name: `${prefix}_names`, data: dim.names });
      if (dim.units !== undefined) group.create_dataset({ name: `${prefix}_units`, data: [dim.units] });
      if (dim.values) group.create_dataset({ name: `${prefix}_values`, data: Float64Array.from(dim.values) });
    });
    if (array.units !== undefined) group.create_dataset({ name: 'units', data: [array.units] });
  });
}

/** Reads array component `component` of `file`, with its dimension metadata and units. */
export async function readArrayComponent(file: string, component: string): Promise<ReadArray> {
  return readComponent(file, component, 'array', (group) => {
    const dataset = group.get('array') as InstanceType<H5['Dataset']>;
    const raw = dataset.value;
    const data =
      raw instanceof BigInt64Array || raw instanceof BigUint64Array
        ? Float64Array.from(raw, Number)
        : (raw as NumericTypedArray);
    const shape = dataset.shape ?? [];
    const dimensions: ArrayDimension[] = shape.map((_, i) => {
      const prefix = `Dimension_${i + 1}`;
      const dim: ArrayDimension = {};
      const title = readStrings(group, `${prefix}_title`)?.[0];
      if (title !== undefined) dim.title = title;
      const names = readStrings(group, `${prefix}_names`);
      if (names) dim.names = names;
      const units = readStrings(group, `${prefix}_units`)?.[0];
      if (units !== undefined) dim.units = units;
      const values = group.get(`${prefix}_values`) as InstanceType<H5['Dataset']> | null;
      if (values) dim.values = Array.from(values.value as ArrayLike<number>, Number);
      return dim;
    });
    // Trailing axes without metadata are left out, as they were given.
    while (dimensions.length > 0 && Object.keys(dimensions[dimensions.length - 1]!).length === 0)
      dimensions.pop();
    const units = readStrings(group, 'units')?.[0];
    return { data, shape, dimensions, ...(units !== undefined ? { units } : {}) };
  });
}

/**
 * Adds table component `component` to the HDF5 file `file` (created if missing), atomically like
 * `writeArrayComponent`. String columns are stored as fixed-length UTF-8 strings (h5wasm cannot write
 * variable-length strings inside a compound type).
 */
export async function writeTableComponent(file: string, component: string, table: CoreTable): Promise<void> {
  const names = checkTable(file, component, table);
  const encoder = new TextEncoder();
  const dtype: [string, string][] = names.map((name) => {
    const column = table.columns[name]!;
    if (!isStringColumn(column)) return [name, '<d'];
    const width = Math.max(1, ...column.map((s) => encoder.encode(s).length));
    return [name, `S${width}`];
  });
  const data = new Map<string, Float64Array | string[]>(
    names.map((name) => {
      const column = table.columns[name]!;
      return [name, isStringColumn(column) ? column : Float64Array.from(column)];
    }),
  );
  const rows = names.length > 0 ? table.columns[names[0]!]!.length : 0;
  await editFile(file, component, (group) => {
    group.create_dataset({ name: 'table', data, dtype, shape: [rows] });
    if (table.rowNames) group.create_dataset({ name: 'row_names', data: table.rowNames });
    if (table.columnUnits) {
      group.create_dataset({ name: 'column_units', data: names.map((n) => table.columnUnits![n] ?? '') });
    }
  });
}

/** Reads table component `component` of `file` into columns (numeric members as numbers, strings as strings). */
export async function readTableComponent(file: string, component: string): Promise<CoreTable> {
  return readComponent(file, component, 'table', (group) => {
    const dataset = group.get('table') as InstanceType<H5['Dataset']>;
    const members = dataset.metadata.compound_type?.members ?? [];
    const rows = dataset.value as (number | bigint | string)[][];
    const columns: Record<string, number[] | string[]> = {};
    members.forEach((member, j) => {
      columns[member.name] = rows.map((row) => (typeof row[j] === 'bigint' ? Number(row[j]) : row[j])) as
        number[] | string[];
    });
    const table: CoreTable = { columns };
    const units = readStrings(group, 'column_units');
    if (units) table.columnUnits = Object.fromEntries(members.map((m, j) => [m.name, units[j] ?? '']));
    const rowNames = readStrings(group, 'row_names');
    if (rowNames) table.rowNames = rowNames;
    return table;
  });
}

/** Every array or table component of `file` (group paths holding an `array` or `table` dataset), sorted. */
export async function listCoreComponents(file: string): Promise<string[]> {
  const h5 = await loadH5();
  const f = new h5.File(file, 'r');
  try {
    return componentsIn(f, h5);
  } finally {
    f.close();
  }
}

/** Checks a component path: slash-separated names, none empty, `.` or `..`. */
function checkComponentName(file: string, component: string): string[] {
  const parts = component.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new ValidationError(`invalid component name "${component}"`, {
      location: { file, key: component },
      hint: 'name a component by a relative path of non-empty parts, e.g. "age/total"',
    });
  }
  return parts;
}

function checkArray(file: string, component: string, array: CoreArray): number[] {
  const fail = (message: string, hint: string): never => {
    throw new ValidationError(message, { location: { file, key: component }, hint });
  };
  const { shape } = array;
  if (shape.length === 0 || shape.some((n) => !Number.isInteger(n) || n < 0)) {
    fail(
      `array shape [${shape.join(', ')}] is not a list of non-negative integers`,
      'give one length per axis, e.g. [3, 4]',
    );
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== size) {
    fail(
      `array has ${array.data.length} values but shape [${shape.join(', ')}] needs ${size}`,
      'pass the data in row-major order with exactly the product of the shape',
    );
  }
  const dims = array.dimensions ?? [];
  if (dims.length > shape.length)
    fail(
      `${dims.length} dimensions given for a ${shape.length}-axis array`,
      'give at most one dimension per axis',
    );
  dims.forEach((dim, i) => {
    for (const key of ['names', 'values'] as const) {
      const list = dim[key];
      if (list && list.length !== shape[i]) {
        fail(
          `dimension ${i + 1} has ${list.length} ${key} but axis ${i + 1} has length ${shape[i]}`,
          `give one ${key.slice(0, -1)} per index along the axis`,
        );
      }
    }
  });
  return shape;
}

function checkTable(file: string, component: string, table: CoreTable): string[] {
  const fail = (message: string, hint: string): never => {
    throw new ValidationError(message, { location: { file, key: component }, hint });
  };
  const names = Object.keys(table.columns);
  if (names.length === 0) fail('a table needs at least one column', 'pass columns as { name: values }');
  const rows = table.columns[names[0]!]!.length;
  for (const name of names) {
    const column = table.columns[name]!;
    if (column.length !== rows)
      fail(
        `column ${name} has ${column.length} rows, column ${names[0]} has ${rows}`,
        'give every column the same number of rows',
      );
    const numeric = column.every((v) => typeof v === 'number');
    if (!numeric && !isStringColumn(column))
      fail(`column ${name} mixes numbers and strings`, 'make each column all numbers or all strings');
  }
  if (table.rowNames && table.rowNames.length !== rows)
    fail(`${table.rowNames.length} row names for ${rows} rows`, 'give one row name per row');
  for (const unit of Object.keys(table.columnUnits ?? {})) {
    if (!names.includes(unit))
      fail(`column_units names unknown column ${unit}`, `known columns: ${names.join(', ')}`);
  }
  return names;
}

function isStringColumn(column: number[] | string[]): column is string[] {
  return (column as unknown[]).every((v) => typeof v === 'string');
}

/**
 * Opens a temporary copy of `file` (or a new file), creates the group `component` — which must not exist yet,
 * since a FAIR component is written once — lets `fill` write into it, and renames the copy over `file`.
 */
async function editFile(file: string, component: string, fill: (group: H5Group) => void): Promise<void> {
  const parts = checkComponentName(file, component);
  const h5 = await loadH5();
  await replaceAtomically(file, async (temp) => {
    const exists = await fs.copyFile(file, temp).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return false;
        throw err;
      },
    );
    const f = new h5.File(temp, exists ? 'a' : 'w');
    try {
      if (f.get(component)) {
        throw new ValidationError(`component ${component} already exists`, {
          location: { file, key: component },
          hint: 'a component is written once; choose another component name',
        });
      }
      // h5wasm creates one group level at a time.
      let group: H5Group = f;
      for (const part of parts) {
        const child = group.get(part);
        if (child && !(child instanceof h5.Group)) {
          throw new ValidationError(`${part} in component ${component} is a dataset, not a group`, {
            location: { file, key: component },
            hint: 'a component cannot be nested inside another component',
          });
        }
        group = (child as H5Group | null) ?? group.create_group(part);
      }
      fill(group);
    } finally {
      f.close();
    }
  });
}

/** Opens `file` read-only and hands `read` the group of component `component`, which must hold dataset `kind`. */
async function readComponent<T>(
  file: string,
  component: string,
  kind: 'array' | 'table',
  read: (group: H5Group) => T,
): Promise<T> {
  checkComponentName(file, component);
  const h5 = await loadH5();
  const f = new h5.File(file, 'r');
  try {
    const group = f.get(component);
    if (!(group instanceof h5.Group) || !(group.get(kind) instanceof h5.Dataset)) {
      throw new FairpodError(`${file} has no ${kind} component ${component}`, {
        location: { file, key: component },
        hint: `check the component name; ${kind} components here: ${componentsIn(f, h5).join(', ') || '(none)'}`,
      });
    }
    return read(group);
  } finally {
    f.close();
  }
}

function componentsIn(f: H5File, h5: H5): string[] {
  const found: string[] = [];
  const walk = (group: H5Group, prefix: string): void => {
    for (const key of group.keys()) {
      const child = group.get(key);
      if (child instanceof h5.Group) walk(child, `${prefix}${key}/`);
      else if ((key === 'array' || key === 'table') && prefix) found.push(prefix.slice(0, -1));
    }
  };
  walk(f, '');
  return [...new Set(found)].sort();
}

/** A string dataset's values, or undefined when `name` is absent. */
function readStrings(group: H5Group, name: string): string[] | undefined {
  const dataset = group.get(name) as InstanceType<H5['Dataset']> | null;
  if (!dataset) return undefined;
  const value = dataset.value;
  return (Array.isArray(value) ? value : [value]).map(String);
}
