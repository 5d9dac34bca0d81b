import { PlaceFilesPreprocessor } from '../core/placeFiles.js';
import type { Preprocessor } from '../core/services.js';
import { NetcdfPreprocessor } from '../preprocess/netcdfPreprocessor.js';
import { Translator } from '../settings/translator.js';

/** The translator and preprocessor the CLI hands to the loop. */
export function defaultServices(options: { disablePreprocessor?: boolean }): {
  translator: Translator;
  preprocessor: Preprocessor;
} {
  return {
    translator: new Translator(),
    preprocessor: options.disablePreprocessor ? new PlaceFilesPreprocessor() : new NetcdfPreprocessor(),
  };
}
