import path from 'node:path';
import YAML from 'yaml';
import type { CaseSpec } from '../core/dataSource.js';
import type { Pod } from '../core/pod.js';
import type { PodRunRecord, RunProvenance } from '../core/provenance.js';
import { isTempFile } from '../store/atomicWrite.js';
import { openCodeRun } from './codeRun.js';
import type { Project } from './project.js';

/**
 * Records each POD run of `fairpod run` as a code run in a project's registry: the configuration (case, data
 * manager, POD settings) as `model_config`, the POD's driver as `submission_script`, the POD's directory as the
 * code repository, the fetched files as inputs and the preprocessed files and the POD's outputs as outputs.
 * Each file the POD produced is copied into the store and registered as a data product,
 * `<POD>/<CASE>/<path below the POD's work dir>` (`<POD>/<CASE1>+<CASE2>/...` for a run with several cases), one PATCH version up from its latest (0.0.1 first): a
 * result keeps its hash when the next run overwrites the work dir, and `fairpod pull` can name it.
 */
export class ProjectRunProvenance implements RunProvenance {
  constructor(private readonly project: Project) {}

  async openPodRun(
    pod: Pod,
    cases: CaseSpec[],
    configuration: Record<string, unknown>,
  ): Promise<PodRunRecord> {
    const caseNames = cases.map((c) => c.name).join('+');
    const recorder = await openCodeRun(this.project.registry, this.project.store, {
      configContent: YAML.stringify(configuration),
      script: path.resolve(pod.settings.podHome, pod.settings.settings.driver),
      repoDir: pod.settings.podHome,
      description: `fairpod run: POD ${pod.name}, ${cases.length > 1 ? 'cases' : 'case'} ${cases.map((c) => `${c.name} ${c.firstYear}-${c.lastYear}`).join(', ')}`,
      namespace: this.project.settings.namespace,
      user: this.project.settings.user.name,
    });
    return {
      runId: recorder.runId,
      read: (file, dataProduct) => recorder.recordRead(file, dataProduct ? { readOf: dataProduct } : {}),
      write: (file) => recorder.recordWrite(file),
      writeResult: async (file, podWork) => {
        // A temporary file beside a result was left by a killed writer: it is nobody's output.
        if (isTempFile(file)) return;
        const rel = path.relative(podWork, file).split(path.sep);
        // A hidden file has no place in the store's layout: it is recorded where it is, as a plain output.
        if (rel.some((segment) => segment.startsWith('.'))) return recorder.recordWrite(file);
        const name = [pod.name, caseNames, ...rel].join('/');
        const { namespace } = this.project.settings;
        const stored = await this.project.store.add(file, { namespace, name });
        // The version is chosen where it is inserted: concurrent runs of the same POD get 0.0.1, 0.0.2, ...
        await recorder.recordWrite(stored, { dataProduct: { namespace, name, version: { bump: 'PATCH' } } });
      },
      finish: (succeeded) => recorder.finish(succeeded ? 'succeeded' : 'failed'),
    };
  }
}
