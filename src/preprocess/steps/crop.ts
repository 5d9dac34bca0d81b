import type { VarlistEntrySpec } from '../../settings/types.js';
import { compareDateTime, formatDateTime } from '../calendar.js';
import type { VariableDataset } from '../variableDataset.js';
import type { PreprocessStep } from './step.js';

/**
 * Keeps the time steps inside FIRSTYR-01-01 00:00 .. LASTYR-12-31 24:00, in each chunk's own calendar and units
 * (CDO `seldate,FIRSTYR-01-01T00:00:00,LASTYR-12-31T23:59:59`). No step left is an error.
 */
export class CropPeriodStep implements PreprocessStep {
  readonly name = 'crop';

  constructor(
    private readonly firstYear: number,
    private readonly lastYear: number,
  ) {}

  editRequest(varlist: VarlistEntrySpec[]): VarlistEntrySpec[] {
    return varlist;
  }

  process(ds: VariableDataset): void {
    if (!ds.timeDimension) return;
    const before = ds.timeSteps;
    for (const s of ds.sources) {
      const lo = s.timeUnits.startOfYear(this.firstYear);
      const hi = s.timeUnits.startOfYear(this.lastYear + 1);
      let start = s.timeStart;
      while (start < s.timeEnd && s.time[start] < lo) start++;
      let end = start;
      while (end < s.timeEnd && s.time[end] < hi) end++;
      s.timeStart = start;
      s.timeEnd = end;
    }
    if (ds.timeSteps === 0) {
      throw ds.error(
        `no time steps of ${ds.nativeName} in ${this.firstYear}-${this.lastYear} in ${ds.sources.map((s) => s.path).join(', ')}`,
        'choose files that cover the analysis period, or change FIRSTYR/LASTYR',
      );
    }
    // Chunks may not be ordered yet (concatenation may come later): compare decoded dates.
    const kept = ds.sources.filter((s) => s.timeEnd > s.timeStart);
    const firsts = kept.map((s) => s.timeUnits.decode(s.time[s.timeStart])).sort(compareDateTime);
    const lasts = kept.map((s) => s.timeUnits.decode(s.time[s.timeEnd - 1])).sort(compareDateTime);
    const from = formatDateTime(firsts[0]);
    const to = formatDateTime(lasts[lasts.length - 1]);
    if (ds.timeSteps !== before)
      ds.history.push(
        `cropped ${ds.nativeName} to ${this.firstYear}-${this.lastYear}: ${ds.timeSteps} of ${before} steps (${from} to ${to})`,
      );
  }
}
