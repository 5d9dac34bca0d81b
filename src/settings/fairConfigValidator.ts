import { registerValidator, type DocumentValidator } from './documentValidators.js';
import { fairConfigFromDocument, looksLikeFairConfig } from './fairConfig.js';

/** FAIR Data Pipeline `config.yaml` files, for `fairpod validate`. */
export const fairConfigValidator: DocumentValidator = {
  name: 'FAIR config',
  expects: 'a `run_metadata` section',
  detects: (value) => looksLikeFairConfig(value),
  validate(_file, document) {
    const config = fairConfigFromDocument(document);
    const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
    return {
      summary: `${count(config.read.length, 'read')}, ${count(config.write.length, 'write')}, ${count(config.register.length, 'register')}`,
      warnings: config.warnings,
    };
  },
};

registerValidator(fairConfigValidator);
