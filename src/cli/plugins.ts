import type { Command } from 'commander';
import { loadPlugins } from '../plugin/load.js';
import { optionFlag, optionPlaceholder } from '../plugin/options.js';

/** `fairpod plugins`: every data manager (fairpod's own and the installed packages') with its own options. */
export function registerPlugins(program: Command): void {
  program
    .command('plugins')
    .description(
      'list the data-source plugins (for --data-manager): fairpod’s own and installed fairpod-plugin-* packages, with their options',
    )
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      const plugins = (await loadPlugins()).list().map((p) => ({
        name: p.definition.name,
        aliases: [...(p.definition.aliases ?? [])],
        description: p.definition.description,
        ...(p.package ? { package: p.package, version: p.version, dir: p.dir } : {}),
        options: Object.entries(p.definition.options ?? {}).map(([name, spec]) => ({
          name,
          flag: optionFlag(name),
          ...spec,
        })),
      }));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(plugins, null, 2)}\n`);
        return;
      }
      for (const p of plugins) {
        const aliases = p.aliases.length ? ` (aliases: ${p.aliases.join(', ')})` : '';
        const origin = p.package ? ` [${p.package}${p.version ? ` ${p.version}` : ''}]` : '';
        process.stdout.write(`${p.name}${aliases}${origin}\n  ${p.description}\n`);
        for (const o of p.options) {
          const flags = `${o.flag} ${optionPlaceholder(o)}`.trimEnd();
          const notes = [
            o.type,
            o.required ? 'required' : '',
            o.default !== undefined ? `default ${String(o.default)}` : '',
          ]
            .filter(Boolean)
            .join(', ');
          process.stdout.write(`    ${flags.padEnd(28)} ${o.description} (${notes})\n`);
        }
      }
    });
}
