// Loaded by mocha before the interop suite (test/interop/mocharc.json): these tests read files others
// wrote, in place. Without them the suite fails here, once and clearly, instead of in every describe body.
import 'reflect-metadata';
import fs from 'node:fs';
import { SHARED_EXAMPLES } from './examples.js';

if (!fs.existsSync(SHARED_EXAMPLES) || !fs.statSync(SHARED_EXAMPLES).isDirectory()) {
  process.stderr.write(
    `fairpod interop suite: ${SHARED_EXAMPLES} does not exist.\n` +
      `  These tests read real files written by others (MDTF PODs, ESM catalogs, FAIR configs).\n` +
      `  hint: clone fairpod beside a "shared" folder holding examples/, or set FAIRPOD_SHARED_EXAMPLES=DIR;\n` +
      `        \`npm test\` needs neither.\n`,
  );
  process.exit(1);
}
