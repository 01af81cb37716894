/**
 * The model the CLI uses when no --checkpoint is given: the default model we train and ship
 * (media/models/default.safetensors), else the untrained stand-in that `npm run build` writes.
 * The bundle runs from dist/ and the sources (tests, tsx) from src/cli/, so both are looked at.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SpadeInputError } from '../model/errors';
import { BUNDLED_MODEL, STAND_IN_MODEL } from '../shared/bundled_model';
import type { CommandContext } from './command_context';

const PACKAGE_ROOTS = [path.join(__dirname, '..'), path.join(__dirname, '..', '..')];

/** The default checkpoint's path; `standIn` says it is the untrained stand-in. */
export function defaultCheckpoint(): { file: string; standIn: boolean } {
  for (const model of [BUNDLED_MODEL, STAND_IN_MODEL]) {
    for (const root of PACKAGE_ROOTS) {
      const file = path.join(root, ...model);
      if (fs.existsSync(file)) return { file, standIn: model === STAND_IN_MODEL };
    }
  }
  throw new SpadeInputError(`no --checkpoint given and no bundled model found (looked for ${BUNDLED_MODEL.join('/')} under ${PACKAGE_ROOTS.join(', ')}); run \`npm run build\``);
}

/** --checkpoint, or else the bundled model, named in the output so a run says which it used. */
export function checkpointOrDefault(ctx: CommandContext): string {
  const given = ctx.values.checkpoint as string | undefined;
  if (given !== undefined) return given;
  const { file, standIn } = defaultCheckpoint();
  ctx.log(`using the bundled ${standIn ? 'UNTRAINED stand-in' : 'default'} model ${file}`);
  return file;
}
