import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { LineageNode, RecordedFileInfo } from '../registry/queries.js';
import type { Registry } from '../registry/registry.js';
import { formatRunLine } from './log.js';
import { say, withProject } from './projectCommand.js';

/** A recorded local file that is not there (deleted, or replaced by a link) is shown as such, never as present. */
function presence(f: RecordedFileInfo): string {
  if (!path.isAbsolute(f.location)) return '';
  try {
    return fs.lstatSync(f.location).isFile() ? '' : '  [NOT A FILE]';
  } catch {
    return '  [MISSING]';
  }
}

function fileLine(f: RecordedFileInfo): string {
  return `${f.location}${presence(f)}  sha1 ${f.hash}${f.dataProducts.length ? `  (${f.dataProducts.join(', ')})` : ''}`;
}

function printLineage(nodes: LineageNode[], indent: string): void {
  for (const node of nodes) {
    say(`${indent}produced by run ${formatRunLine(node.run)}`);
    for (const input of node.inputs) {
      say(`${indent}  read ${fileLine(input.file)}`);
      printLineage(input.producedBy, `${indent}    `);
    }
  }
}

async function printRunsOf(registry: Registry, objectIds: number[]): Promise<void> {
  const { lineage, runsTouching } = await import('../registry/queries.js');
  const readers = await runsTouching(registry, objectIds, 'code_run_inputs');
  if (readers.length)
    say(
      `read by runs: ${(await registry.knex('code_run').whereIn('id', readers).pluck('run_id')).map((r: string) => r.slice(0, 12)).join(', ')}`,
    );
  say('lineage:');
  printLineage(await lineage(registry, objectIds), '  ');
}

/** `fairpod info TOKEN|PATH`: everything known about a run, data product or file, with its lineage. */
export function registerInfo(program: Command): void {
  program
    .command('info')
    .description(
      'show everything known about a run (run id prefix), data product (namespace:name@version) or file (path), with its lineage',
    )
    .argument('<token>', 'run id prefix, namespace:name[@version], or path')
    .action(async (token: string) => {
      const { codeRunInfo, describeComponents, resolveTarget } = await import('../registry/queries.js');
      await withProject(async ({ registry, store }) => {
        const target = await resolveTarget(registry, store, token);
        if (target.kind === 'code_run') {
          const info = await codeRunInfo(registry, target.id);
          say(`code run ${info.run.run_id}`);
          say(`  date        ${info.run.run_date}`);
          say(
            `  status      ${info.run.status === 'running' ? 'NOT FINISHED' : info.run.status}${info.run.finished_at ? ` at ${info.run.finished_at}` : ''}`,
          );
          say(`  uuid        ${info.run.uuid}`);
          if (info.run.description) say(`  description ${info.run.description}`);
          if (info.modelConfig) say(`  config      ${fileLine(info.modelConfig)}`);
          if (info.submissionScript) say(`  script      ${fileLine(info.submissionScript)}`);
          if (info.codeRepo) say(`  code        ${info.codeRepo.location}`);
          say(`  inputs (${info.inputs.length})`);
          for (const f of info.inputs) say(`    ${fileLine(f)}`);
          say(`  outputs (${info.outputs.length})`);
          for (const f of info.outputs) say(`    ${fileLine(f)}`);
          return;
        }
        const objectIds = target.kind === 'data_product' ? [target.objectId] : target.objectIds;
        say(`${target.kind === 'data_product' ? 'data product' : 'file'} ${target.label}`);
        for (const f of await describeComponents(registry, objectIds, true)) say(`  ${fileLine(f)}`);
        await printRunsOf(registry, objectIds);
      });
    });
}
