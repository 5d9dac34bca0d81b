import fs from 'node:fs/promises';
import path from 'node:path';
import { contractRows, writeTestCatalog, type ContractFixture } from 'fairpod/plugin';

/** A CSV-backed ESM catalog with one present and one missing file, for the plugin contract suite. */
export const contractFixture: ContractFixture = {
  async create(dir) {
    await fs.mkdir(path.join(dir, 'data'), { recursive: true });
    await fs.writeFile(path.join(dir, 'data', 'present_200001-200112.nc'), 'not read by the contract suite');
    const catalog = await writeTestCatalog(
      path.join(dir, 'contract.json'),
      contractRows((file) => `data/${file}`),
    );
    return { options: { catalog } };
  },
};
