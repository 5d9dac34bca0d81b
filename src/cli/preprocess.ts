import type { Command } from 'commander';
import { ValidationError } from '../core/errors.js';

/** Options of `fairpod preprocess`, as commander parses them. */
interface PreprocessCliOptions {
  var: string;
  output: string;
  firstyr?: string;
  lastyr?: string;
  level?: string;
  units?: string;
  rename?: string;
  deflate?: string;
}

/** A whole number option within `[min, max]`, or a located error naming the option. */
function integerOption(value: string, option: string, min: number, max: number, example: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new ValidationError(`${option} "${value}" is not a whole number from ${min} to ${max}`, {
      location: { key: option },
      hint: `e.g. ${option} ${example}`,
    });
  }
  return n;
}

/**
 * `fairpod preprocess FILE... --var NAME -o OUT`: the preprocessing `fairpod run` does for one variable, on
 * files given by path (the time chunks of one variable, any order): crop to years, join, convert units, extract
 * a pressure level, rename, write one netCDF-4 file, slab by slab.
 */
export function registerPreprocess(program: Command): void {
  program
    .command('preprocess')
    .description(
      'crop, join, convert and extract a level of one variable from netCDF files into one netCDF-4 file',
    )
    .argument('<file...>', 'netCDF-3 or netCDF-4 files holding the variable (time chunks, any order)')
    .requiredOption('--var <name>', 'the variable, as named in the files')
    .requiredOption('-o, --output <file>', 'the netCDF-4 file to write (appears only when complete)')
    .option('--firstyr <year>', 'keep time steps from January 1 of this year (with --lastyr)')
    .option('--lastyr <year>', 'keep time steps to December 31 of this year (with --firstyr)')
    .option('--level <hPa>', 'extract this pressure level, in hPa (or in the vertical coordinate’s units)')
    .option('--units <units>', 'convert the data to these UDUNITS units, e.g. degC')
    .option('--rename <name>', 'name of the variable in the output')
    .option('--deflate <level>', 'compress the variable’s data with zlib at this level (1-9)')
    .action(async (files: string[], options: PreprocessCliOptions) => {
      if ((options.firstyr === undefined) !== (options.lastyr === undefined)) {
        throw new ValidationError('--firstyr and --lastyr go together', {
          location: { key: options.firstyr === undefined ? '--firstyr' : '--lastyr' },
          hint: 'give both, e.g. --firstyr 1980 --lastyr 1989, or neither to keep every time step',
        });
      }
      const firstYear =
        options.firstyr === undefined ? 0 : integerOption(options.firstyr, '--firstyr', -9999, 9999, '1980');
      const lastYear =
        options.lastyr === undefined ? 0 : integerOption(options.lastyr, '--lastyr', -9999, 9999, '1989');
      if (lastYear < firstYear) {
        throw new ValidationError(`--lastyr ${lastYear} is before --firstyr ${firstYear}`, {
          location: { key: '--lastyr' },
          hint: 'give the period in order',
        });
      }
      let level: number | undefined;
      if (options.level !== undefined) {
        level = Number(options.level);
        if (options.level.trim() === '' || !Number.isFinite(level)) {
          throw new ValidationError(`--level "${options.level}" is not a number`, {
            location: { key: '--level' },
            hint: 'e.g. --level 500 for 500 hPa',
          });
        }
      }
      const deflate =
        options.deflate === undefined ? undefined : integerOption(options.deflate, '--deflate', 1, 9, '1');
      const order = [
        ...(options.firstyr === undefined ? [] : ['crop']),
        'concatenate',
        ...(options.units === undefined ? [] : ['units']),
        ...(level === undefined ? [] : ['level']),
        ...(options.rename === undefined ? [] : ['rename']),
      ];
      const { preprocessVariable } = await import('../preprocess/pipeline.js');
      const result = await preprocessVariable(
        {
          pod: '',
          caseName: '',
          varName: options.rename ?? options.var,
          frequency: '',
          units: options.units,
          scalarCoordinates: level === undefined ? {} : { level },
          nativeName: options.var,
          files,
          firstYear,
          lastYear,
          workDir: '',
        },
        { order, outPath: options.output, deflate },
      );
      process.stdout.write(`${[...result.history, `wrote ${result.outPath}`].join('\n')}\n`);
    });
}
