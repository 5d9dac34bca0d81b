import path from 'node:path';
import type { Command } from 'commander';

/** The PODs shipped in `settings/pods/` that the demo runs. */
export const DEMO_PODS = ['demo_alternate', 'demo_plev'];

/** `fairpod demo`: writes a synthetic CMIP6-like dataset and its catalog, then runs the demo PODs on it. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'write a small synthetic CMIP6-like dataset, run the example PODs on it end to end, and record the runs in DIR/.fairpod',
    )
    .option('--dir <dir>', 'where the dataset, the work directory and the outputs go', 'fairpod-demo')
    .option('--json', 'print the report as JSON')
    .action(async (options: { dir: string; json?: boolean }) => {
      const [
        { runCase },
        { formatReport },
        { StderrLogger },
        { writeDemoDataset },
        { defaultServices },
        { openRunProject },
        { ProjectRunProvenance },
      ] = await Promise.all([
        import('../core/caseRun.js'),
        import('../core/report.js'),
        import('../core/services.js'),
        import('../demo/dataset.js'),
        import('./defaultServices.js'),
        import('./provenance.js'),
        import('../registry/podRunRecorder.js'),
        import('../../plugins/index.js'),
      ]);
      const dir = path.resolve(options.dir);
      const logger = new StderrLogger();
      logger.info(`writing the demo dataset under ${path.join(dir, 'data')}`);
      const dataset = await writeDemoDataset(path.join(dir, 'data'));
      logger.info(`${dataset.files} netCDF files, catalog ${dataset.catalogJson}`);
      const project = await openRunProject(dir, logger);
      const report = await runCase({
        pods: DEMO_PODS,
        dataManager: 'filesystem',
        pluginOptions: { catalog: dataset.catalogJson },
        caseSpec: { name: 'DEMO', firstYear: 1983, lastYear: 1987, facets: {} },
        workDir: path.join(dir, 'work'),
        logger,
        provenance: new ProjectRunProvenance(project),
        ...defaultServices({}),
      }).finally(() => project.close());
      process.stdout.write(
        options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report, 'run')}\n`,
      );
      if (report.pods.some((p) => !p.ok)) process.exitCode = 1;
    });
}
