import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fairpod } from '../support/cli.js';

describe('security: data product names cannot climb out of the data store', function () {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fairpod-names-'));
    expect((await fairpod('init', dir, '--user', 'alice')).code).to.equal(0);
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  const escape = path.join(os.tmpdir(), `fairpod-escaped-${process.pid}`);
  const hostile: Array<[key: string, line: string, column: number, message: RegExp]> = [
    [
      'write[0].data_product',
      `  - data_product: ../../../../../..${escape}/x`,
      19,
      /has a `\.` or `\.\.` segment/,
    ],
    ['write[0].data_product', '  - data_product: /etc/passwd', 19, /starts with `\/`/],
    ['write[0].file_type', '  - data_product: ok\n    file_type: ../../../x', 16, /is not a file extension/],
    [
      'write[0].use.data_product',
      '  - data_product: ok\n    use:\n      data_product: a/../../b',
      21,
      /segment/,
    ],
  ];
  for (const [key, entry, column, message] of hostile) {
    it(`${key}: validate and run refuse it with its location, and nothing is created outside`, async () => {
      const config = path.join(dir, 'hostile.yaml');
      // The script would create the directory `link write` returns; it must never get that far.
      await fs.writeFile(
        config,
        [
          'run_metadata:',
          '  description: hostile',
          '  script: mkdir -p "$(fairpod link write ok)"',
          'write:',
          entry,
          '',
        ].join('\n'),
      );
      const line = 5 + entry.split('\n').length - 1;
      const validate = await fairpod('validate', config);
      expect(validate.code).to.not.equal(0);
      expect(validate.stdout + validate.stderr).to.include(`${config}:${line}:${column}: ${key}: `);
      expect(validate.stdout + validate.stderr).to.match(message);
      const run = await fairpod('run', config, '--project', dir);
      expect(run.code).to.equal(2);
      expect(run.stderr).to.match(message);
      await fs.access(escape).then(
        () => expect.fail(`${escape} was created`),
        () => undefined,
      );
    });
  }
});
