import { Option, type Command } from 'commander';
import { ValidationError } from '../core/errors.js';
import type { PodDimensions } from '../settings/translator.js';
import type { TranslationRequest } from '../settings/types.js';

/** Options of `fairpod translate`, as commander parses them. */
interface TranslateOptions {
  convention: string;
  modifier?: string;
  level?: string;
  ndim?: string;
  realm?: string;
  json?: boolean;
}

// The dimensions a request of each rank has (time first, as stored); `plev` is the level axis.
const DIMENSIONS_BY_NDIM: Record<number, string[]> = {
  1: ['time'],
  2: ['lat', 'lon'],
  3: ['time', 'lat', 'lon'],
  4: ['time', 'plev', 'lat', 'lon'],
};
const POD_DIMENSIONS: PodDimensions = {
  time: { standard_name: 'time', axis: 'T' },
  lat: { standard_name: 'latitude', units: 'degrees_north', axis: 'Y' },
  lon: { standard_name: 'longitude', units: 'degrees_east', axis: 'X' },
  plev: { standard_name: 'air_pressure', units: 'hPa', axis: 'Z', positive: 'down' },
};

/** `fairpod translate STANDARD_NAME --convention X`: the native name and units a convention uses for a variable. */
export function registerTranslate(program: Command): void {
  program
    .command('translate')
    .description(
      "show a convention's native name and units for a CF standard name (exits non-zero when it has none)",
    )
    .argument('<standard_name>', 'CF standard name, e.g. air_temperature')
    .requiredOption('-c, --convention <name>', 'naming convention or alias, e.g. cmip, cesm, gfdl')
    .option('--modifier <name>', 'modifier, e.g. atmos_height for 2 m temperature')
    .option('--level <hPa>', 'one pressure level, in hPa (the variable at that level)')
    .addOption(
      new Option(
        '--ndim <n>',
        'dimensions as stored, time included (default 3; 4 for a level that has no variable of its own)',
      ).choices(['1', '2', '3', '4']),
    )
    .option(
      '--realm <realm>',
      'modelling realm, e.g. atmos, ocean (tells apart variables with the same standard name)',
    )
    .option('--json', 'print the translation as JSON on stdout')
    .action(async (standardName: string, options: TranslateOptions) => {
      const request = requestFrom(standardName, options);
      const { Translator } = await import('../settings/translator.js');
      const translation = new Translator().translate(request, options.convention, POD_DIMENSIONS);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(translation, null, 2)}\n`);
        return;
      }
      const lines = [
        `${translation.convention}: ${translation.name}`,
        `units: ${translation.units ?? '(unknown)'}`,
      ];
      const left = Object.entries(translation.scalar_coordinates);
      if (left.length > 0)
        lines.push(`level to extract: ${left.map(([c, v]) => `${c}=${v} hPa`).join(', ')}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

function requestFrom(standardName: string, options: TranslateOptions): TranslationRequest {
  const scalar: Record<string, number> = {};
  if (options.level !== undefined) {
    const level = Number(options.level);
    if (options.level.trim() === '' || !Number.isFinite(level) || level <= 0) {
      throw new ValidationError(`--level "${options.level}" is not a pressure in hPa`, {
        location: { key: '--level' },
        hint: 'e.g. --level 500',
      });
    }
    scalar.plev = level;
  }
  // With a level, the request is one rank below the stored variable (the level is taken out).
  const ndim = options.ndim === undefined ? (options.level === undefined ? 3 : 4) : Number(options.ndim);
  const rank = options.level === undefined ? ndim : ndim - 1;
  const dimensions = DIMENSIONS_BY_NDIM[rank];
  if (dimensions === undefined || (options.level !== undefined && dimensions.includes('plev'))) {
    throw new ValidationError(`--ndim ${ndim} does not fit --level`, {
      location: { key: '--ndim' },
      hint: 'with --level, --ndim counts the level: use --ndim 4 (or leave it out)',
    });
  }
  return {
    name: standardName,
    standard_name: standardName,
    modifier: options.modifier,
    realm: options.realm,
    dimensions,
    scalar_coordinates: scalar,
    use_exact_name: false,
  };
}
