// Shared by the demo PODs' drivers: reads each variable the POD was given (MDTF's `<var>_var` and
// `<VAR>_FILE` environment) with h5wasm, and writes its mean to $WK_DIR/output/summary.txt.
import fs from 'node:fs';
import path from 'node:path';
import h5wasm from 'h5wasm/node';

/** Writes the mean of each named variable's data to the POD's summary. */
export async function summarize(varNames) {
  await h5wasm.ready;
  const lines = [`case ${process.env.CASENAME} ${process.env.FIRSTYR}-${process.env.LASTYR}`];
  for (const name of varNames) {
    const file = process.env[`${name.toUpperCase()}_FILE`];
    // MDTF sets <VAR>_FILE for entries without data too, to the path they would have had.
    if (!file || !fs.existsSync(file)) continue; // replaced by an alternate
    const varName = process.env[`${name}_var`];
    const f = new h5wasm.File(file, 'r');
    const dataset = f.get(varName);
    const values = dataset.value;
    let sum = 0;
    for (const v of values) sum += v;
    const units = dataset.attrs.units?.value ?? '';
    lines.push(
      `${name} (${varName} in ${path.basename(file)}): shape ${dataset.shape.join('x')}, mean ${(sum / values.length).toPrecision(6)} ${units}`,
    );
    f.close();
  }
  const out = path.join(process.env.WK_DIR, 'output');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'summary.txt'), `${lines.join('\n')}\n`);
  console.log(lines.join('\n'));
}
