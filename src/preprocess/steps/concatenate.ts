import type { VarlistEntrySpec } from '../../settings/types.js';
import { formatDateTime } from '../calendar.js';
import type { VariableDataset } from '../variableDataset.js';
import type { PreprocessStep } from './step.js';

/**
 * Orders the time chunks, re-encodes their times (and bounds) in the first chunk's units, calendar-aware, and
 * checks the chunks share a calendar and neither overlap nor go backwards (CDO `mergetime`). Chunks with no step
 * selected are dropped.
 */
export class ConcatenateStep implements PreprocessStep {
  readonly name = 'concatenate';

  editRequest(varlist: VarlistEntrySpec[]): VarlistEntrySpec[] {
    return varlist;
  }

  process(ds: VariableDataset): void {
    if (!ds.timeDimension) {
      ds.concatenated = true;
      return;
    }
    const all = ds.sources.length;
    const kept = ds.sources.filter((s) => s.timeEnd > s.timeStart);
    const target = kept[0]?.timeUnits ?? ds.sources[0].timeUnits;
    for (const s of kept) {
      if (s.timeUnits.calendar.name !== target.calendar.name) {
        throw ds.error(
          `${s.path} uses the ${s.timeUnits.calendar.name} calendar, ${kept[0].path} the ${target.calendar.name} calendar`,
          'the chosen chunks must come from one model run; check the selection',
          s.path,
        );
      }
      if (s.timeUnits.units !== target.units) {
        const recode = (v: number) => target.encode(s.timeUnits.decode(v));
        s.time = s.time.map(recode);
        if (s.timeBounds) s.timeBounds = s.timeBounds.map(recode);
        s.timeUnits = target;
      }
    }
    kept.sort((a, b) => a.time[a.timeStart] - b.time[b.timeStart]);
    for (let i = 1; i < kept.length; i++) {
      const prev = kept[i - 1];
      const next = kept[i];
      if (next.time[next.timeStart] <= prev.time[prev.timeEnd - 1]) {
        throw ds.error(
          `time chunks overlap: ${prev.path} ends at ${formatDateTime(target.decode(prev.time[prev.timeEnd - 1]))}, ` +
            `${next.path} starts at ${formatDateTime(target.decode(next.time[next.timeStart]))}`,
          'choose one version of each period; overlapping chunks cannot be concatenated',
          next.path,
        );
      }
    }
    for (const s of ds.sources) if (!kept.includes(s)) s.reader.close();
    ds.sources.splice(0, ds.sources.length, ...kept);
    ds.timeAttributes = {
      ...ds.timeAttributes,
      units: target.units,
      calendar: String(ds.timeAttributes.calendar ?? target.calendar.name),
    };
    ds.concatenated = true;
    if (kept.length > 1 || all > 1)
      ds.history.push(
        `concatenated ${kept.length} time chunks of ${ds.nativeName} (${ds.timeSteps} steps, ${target.units})`,
      );
  }
}
