import { catalogCliCases } from '../catalog/cliCases.js';
import { isolateIndexCache } from '../catalog/support.js';
import { examplesDir } from './examples.js';

const EXAMPLE = examplesDir('esm-catalogs', 'tests__esm_catalog_test_ubuntu.json');

describe('interop: fairpod catalog on a catalog of MDTF-diagnostics', () => {
  isolateIndexCache();
  catalogCliCases(() => EXAMPLE, 58);
});
