import fs from 'node:fs/promises';
import path from 'node:path';
import type { ContractFixture } from '../../src/core/contract.js';

/** A CSV-backed ESM catalog with one present and one missing file, for the plugin contract suite. */
export const contractFixture: ContractFixture = {
  async create(dir) {
    await fs.mkdir(path.join(dir, 'data'), { recursive: true });
    await fs.writeFile(path.join(dir, 'data', 'present_200001-200112.nc'), 'not read by the contract suite');
    const header = {
      esmcat_version: '0.1.0',
      attributes: [],
      assets: { column_name: 'path', format: 'netcdf' },
      aggregation_control: {
        variable_column_name: 'variable_id',
        groupby_attrs: ['source_id'],
        aggregations: [],
      },
      catalog_file: 'contract.csv',
    };
    await fs.writeFile(path.join(dir, 'contract.json'), JSON.stringify(header));
    await fs.writeFile(
      path.join(dir, 'contract.csv'),
      [
        'source_id,variable_id,frequency,realm,time_range,path',
        'M,present,mon,atmos,200001-200112,data/present_200001-200112.nc',
        'M,missing,mon,atmos,200001-200112,data/missing_200001-200112.nc',
        '',
      ].join('\n'),
    );
    return { options: { catalog: path.join(dir, 'contract.json') } };
  },
};
