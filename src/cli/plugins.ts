import type { Command } from 'commander';

/** `fairpod plugins`: every data manager with its aliases and its own options. */
export function registerPlugins(program: Command): void {
  program
    .command('plugins')
    .description('list the data-source plugins (for --data-manager) and their options')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      await import('../../plugins/index.js');
      const { listPlugins } = await import('../container.js');
      const plugins = listPlugins().map((p) => ({
        name: p.name,
        aliases: p.aliases,
        description: p.description,
        options: p.options,
      }));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(plugins, null, 2)}\n`);
        return;
      }
      for (const p of plugins) {
        process.stdout.write(
          `${p.name}${p.aliases.length ? ` (aliases: ${p.aliases.join(', ')})` : ''}\n  ${p.description}\n`,
        );
        for (const o of p.options) process.stdout.write(`    ${o.flags.padEnd(24)} ${o.description}\n`);
      }
    });
}
