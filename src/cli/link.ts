import type { Command } from 'commander';

/** `fairpod link read|write DATA_PRODUCT`: for shell, Python or R scripts inside `fairpod run CONFIG`. */
export function registerLink(program: Command): void {
  const link = program
    .command('link')
    .description('inside `fairpod run CONFIG`: the path to read a data product from, or to write one to');
  link
    .command('read')
    .description('print the stored file of a `read` entry and record the read')
    .argument('<data_product>', 'data product name as in the config')
    .action(async (name: string) => {
      const { FairSession } = await import('../registry/session.js');
      const session = await FairSession.initialise();
      try {
        process.stdout.write(`${await session.linkRead(name)}\n`);
      } finally {
        await session.close();
      }
    });
  link
    .command('write')
    .description('print the path to write a `write` entry to; it is stored and registered when the run ends')
    .argument('<data_product>', 'data product name as in the config')
    .action(async (name: string) => {
      const { FairSession } = await import('../registry/session.js');
      const session = await FairSession.initialise();
      try {
        process.stdout.write(`${await session.linkWrite(name)}\n`);
      } finally {
        await session.close();
      }
    });
}
