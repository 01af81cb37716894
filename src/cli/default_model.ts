/**
 * The model the CLI uses when no --checkpoint is given: the default model we train and ship
 * (media/models/default.safetensors), else the untrained stand-in that `npm run build` writes.
 * The bundle runs from dist/ and the sources (tests, tsx) from src/cli/, so both are looked at.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SpadeInputError } from '../model/errors';
import { BUNDLED_MODEL, STAND_IN_MODEL } from '../shared/bundled_model';

const DEFAULT_MODEL_FILE = BUNDLED_MODEL[BUNDLED_MODEL.length - 1];
const STAND_IN_MODEL_FILE = STAND_IN_MODEL[STAND_IN_MODEL.length - 1];

function modelDirs(): string[] {
  return [path.join(__dirname, '..', 'media', 'models'), path.join(__dirname, '..', '..', 'media', 'models')];
}

/** The default checkpoint's path; `standIn` says it is the untrained stand-in. */
export function defaultCheckpoint(): { file: string; standIn: boolean } {
  for (const name of [DEFAULT_MODEL_FILE, STAND_IN_MODEL_FILE]) {
    for (const dir of modelDirs()) {
      const file = path.join(dir, name);
      if (fs.existsSync(file)) return { file, standIn: name === STAND_IN_MODEL_FILE };
    }
  }
  throw new SpadeInputError(`no --checkpoint given and no bundled model found (looked for ${DEFAULT_MODEL_FILE} in ${modelDirs().join(', ')}); run \`npm run build\``);
}
