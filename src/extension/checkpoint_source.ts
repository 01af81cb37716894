/**
 * Which checkpoint the previews use: the `spade.checkpoint` setting, else the bundled model.
 * The host reads the bytes (and opt.txt beside a .pth, or an NVlabs run folder) for the webviews to fetch; it
 * parses the file only for the label set, to decode and colour label maps.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { readCheckpoint, writeCheckpoint } from '../model/checkpoint/spade_checkpoint';
import { parseOptTxt } from '../model/opt_txt';
import { outputSize, type SpadeConfig } from '../model/config';
import type { LabelSet } from '../model/io/label_sets';
import type { LabelSetInfo } from '../shared/protocol';
import { BUNDLED_MODEL, STAND_IN_MODEL } from '../shared/bundled_model';
import { isRunFolderPath, readRunFolderForPreview } from './run_folder_source';

/** What a preview loads: the generator (and encoder) as checkpoint bytes. */
export interface PreviewBytes {
  /** Shown in the status line. */
  name: string;
  bytes: Uint8Array;
  /** Contents of opt.txt, for official .pth checkpoints. */
  optTxt?: string;
  /** The bytes are `uri`'s whole contents (not a run folder's G, nor a checkpoint without its D). */
  wholeFile: boolean;
}

export interface LoadedCheckpoint {
  uri: vscode.Uri;
  info: PreviewBytes;
  labelSet: LabelSet;
  /** The generator's input channels: which label ids it can take. */
  model: { labelNc: number; containDontcare: boolean; output: { width: number; height: number } };
  hasEncoder: boolean;
  /** When the bytes were read and checked (epoch ms, the latency trace's clock). */
  readAt: number;
}

export function bundledCheckpointUri(extensionUri: vscode.Uri): vscode.Uri {
  const shipped = vscode.Uri.joinPath(extensionUri, ...BUNDLED_MODEL);
  // The extension host runs in Node and the extension folder is local, so a sync check is fine.
  return fs.existsSync(shipped.fsPath) ? shipped : vscode.Uri.joinPath(extensionUri, ...STAND_IN_MODEL);
}

export function configuredCheckpointUri(extensionUri: vscode.Uri): vscode.Uri {
  const setting = vscode.workspace.getConfiguration('spade').get<string>('checkpoint', '').trim();
  if (!setting) return bundledCheckpointUri(extensionUri);
  if (setting.startsWith('/') || /^[A-Za-z]:[\\/]/.test(setting)) return vscode.Uri.file(setting);
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? vscode.Uri.joinPath(folder.uri, setting) : vscode.Uri.file(setting);
}

/** Reads and checks a checkpoint; throws SpadeInputError (naming the file) when it is bad. */
export async function loadCheckpoint(uri: vscode.Uri): Promise<LoadedCheckpoint> {
  if (uri.scheme === 'file' && isRunFolderPath(uri.fsPath)) {
    const { name, bytes, ck } = await readRunFolderForPreview(uri.fsPath, (file, what) =>
      readOrExplain(vscode.Uri.file(file), what),
    );
    const model = modelOf(ck.config);
    const info = { name, bytes, wholeFile: false };
    return { uri, info, labelSet: ck.labelSet, model, hasEncoder: !!ck.nets.E, readAt: Date.now() };
  }
  const name = uri.path.split('/').pop() ?? uri.toString();
  const bytes = await readOrExplain(uri, 'checkpoint');
  let optTxt: string | undefined;
  if (/\.pth?$/i.test(name)) {
    const optUri = vscode.Uri.joinPath(uri, '..', 'opt.txt');
    optTxt = new TextDecoder().decode(await readOrExplain(optUri, 'opt.txt (needed beside a .pth checkpoint)'));
  }
  const config = optTxt !== undefined ? parseOptTxt(optTxt, 'opt.txt') : undefined;
  const ck = readCheckpoint(bytes, name, { config });
  // A training run's checkpoint also holds D and the optimizer state, many times the size of G;
  // the previews need only G (and E), and every reload sends the bytes to each webview.
  const forPreview =
    ck.nets.D || ck.extra.size ? writeCheckpoint({ ...ck, nets: { G: ck.nets.G, E: ck.nets.E }, extra: new Map() }) : bytes;
  const model = modelOf(ck.config);
  const info = { name, bytes: forPreview, optTxt, wholeFile: forPreview === bytes };
  return { uri, info, labelSet: ck.labelSet, model, hasEncoder: !!ck.nets.E, readAt: Date.now() };
}

function modelOf(config: SpadeConfig): LoadedCheckpoint['model'] {
  return { labelNc: config.label_nc, containDontcare: config.contain_dontcare_label, output: outputSize(config) };
}

async function readOrExplain(uri: vscode.Uri, what: string): Promise<Uint8Array> {
  try {
    return plainBytes(await vscode.workspace.fs.readFile(uri));
  } catch {
    throw new Error(`${uri.fsPath}: ${what} not found or not readable`);
  }
}

/**
 * readFile gives a Node Buffer, whose toJSON turns it into {type, data: [...]} on its way to
 * a webview; a plain Uint8Array travels as binary.
 */
export function plainBytes(b: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(b) === Uint8Array.prototype
    ? b
    : new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function labelSetInfo(set: LabelSet): LabelSetInfo {
  return {
    name: set.name,
    names: [...set.names],
    colors: set.colors.map((c) => [c[0], c[1], c[2]]),
    dontcareId: set.dontcareId,
    idOffset: set.idOffset ?? 0,
  };
}
