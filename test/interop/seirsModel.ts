import fs from 'node:fs/promises';
import path from 'node:path';
import { peerSource } from './peers.js';

/**
 * A modeller's SEIRS model in `dir`: pyDataPipeline's own parameters (data_pipeline_api/ext/
 * static_params_SEIRS.csv) in `data/`, and `model.py`, which opens and closes its run as pyDataPipeline's
 * README and ext/SEIRSModelRun.py do (initialise, link_read, link_write, finalise) and writes a CSV whose
 * first line is `time,S`.
 */
export async function writeSeirsModel(dir: string): Promise<void> {
  await fs.mkdir(path.join(dir, 'data'), { recursive: true });
  await fs.copyFile(
    path.join(peerSource('pyDataPipeline'), 'data_pipeline_api', 'ext', 'static_params_SEIRS.csv'),
    path.join(dir, 'data', 'static_params_SEIRS.csv'),
  );
  await fs.writeFile(
    path.join(dir, 'model.py'),
    [
      'import csv, os',
      'import data_pipeline_api as pipeline',
      'token = os.environ["FDP_LOCAL_TOKEN"]',
      'script = os.path.join(os.environ["FDP_CONFIG_DIR"], "script.sh")',
      'config = os.path.join(os.environ["FDP_CONFIG_DIR"], "config.yaml")',
      'handle = pipeline.initialise(token, config, script)',
      'params = pipeline.link_read(handle, "SEIRS_model/parameters")',
      'output = pipeline.link_write(handle, "SEIRS_model/results/model_output/python")',
      'with open(params) as f:',
      '    beta = {r["param"]: float(r["value"]) for r in csv.DictReader(f)}["beta"]',
      'with open(output, "w") as f:',
      '    f.write(f"time,S\\n0,{1 - beta * 0.001:.6f}\\n")',
      'pipeline.finalise(token, handle)',
      '',
    ].join('\n'),
  );
}
