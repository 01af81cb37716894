/**
 * A label-map PNG as a custom document. The host owns the ids and the edit history; panels
 * only display and propose strokes. Saving re-encodes in the file's own encoding
 * (grayscale stays grayscale, palette stays palette, RGB stays RGB) and writes atomically.
 */
import * as vscode from 'vscode';
import { decodeLabelMap, encodeLabelMap, type LabelMap } from '../model/io/label_png';
import { filePalette, type LabelSet } from '../model/io/label_sets';
import { SpadeInputError } from '../model/errors';
import { writeAtomic } from './fs_atomic';
import { newestBackup, recordBackup } from './backup_index';

export interface StrokeEdit {
  label: string;
  indices: Uint32Array;
  before: Int32Array;
  after: number;
}

export type IdsChange = { ids: Int32Array; reason: 'edit' | 'undo' | 'redo' | 'revert' | 'reload'; origin?: unknown };

export class LabelMapDocument implements vscode.CustomDocument {
  private readonly _onDidDispose = new vscode.EventEmitter<void>();
  readonly onDidDispose = this._onDidDispose.event;
  /** Fired when the ids change; panels other than `origin` redraw. */
  private readonly _onDidChangeIds = new vscode.EventEmitter<IdsChange>();
  readonly onDidChangeIds = this._onDidChangeIds.event;
  /** Fired for each new stroke, for VS Code's undo stack and dirty state. */
  private readonly _onDidEdit = new vscode.EventEmitter<StrokeEdit>();
  readonly onDidEdit = this._onDidEdit.event;
  /** Bytes we last wrote or read, to tell our own saves from changes made by others. */
  private diskBytes: Uint8Array;
  /** Bytes of a save in flight: its watcher event may arrive before the write resolves. */
  private savingBytes?: Uint8Array;
  /** Set when a hot-exit restore could not use the backup VS Code named: what happened instead. */
  restoreNote?: string;

  private constructor(
    readonly uri: vscode.Uri,
    private map: LabelMap,
    bytes: Uint8Array,
    private readonly decode: (bytes: Uint8Array, name: string) => LabelMap,
  ) {
    this.diskBytes = bytes;
  }

  static async open(
    uri: vscode.Uri,
    backupId: string | undefined,
    labelSet: LabelSet,
    maxPixels: number,
  ): Promise<LabelMapDocument> {
    const decode = (bytes: Uint8Array, name: string) =>
      decodeLabelMap(bytes, name, { palette: filePalette(labelSet), maxPixels });
    const name = uri.path.split('/').pop() ?? uri.toString();
    const disk = await vscode.workspace.fs.readFile(uri);
    // A hot-exit backup holds the unsaved PNG; the file itself may have changed since.
    const restored = backupId ? await readBackup(uri, vscode.Uri.parse(backupId), name) : undefined;
    const doc = new LabelMapDocument(uri, decode(restored?.bytes ?? disk, name), disk, decode);
    doc.restoreNote = restored?.note;
    return doc;
  }

  get width(): number {
    return this.map.width;
  }
  get height(): number {
    return this.map.height;
  }
  get ids(): Int32Array {
    return this.map.ids;
  }
  get encodingName(): string {
    const e = this.map.encoding;
    return e.kind === 'gray' ? `${e.bitDepth}-bit grayscale` : e.kind === 'palette' ? `${e.bitDepth}-bit palette` : 'RGB';
  }
  get fileName(): string {
    return this.uri.path.split('/').pop() ?? '';
  }

  /** Applies a stroke proposed by a panel (already validated) and records it for undo. */
  applyStroke(label: string, indices: Uint32Array, value: number, origin: unknown): void {
    const ids = this.map.ids;
    const before = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      before[i] = ids[indices[i]];
      ids[indices[i]] = value;
    }
    const edit: StrokeEdit = { label, indices, before, after: value };
    this._onDidChangeIds.fire({ ids, reason: 'edit', origin });
    this._onDidEdit.fire(edit);
  }

  undo(edit: StrokeEdit): void {
    const ids = this.map.ids;
    for (let i = 0; i < edit.indices.length; i++) ids[edit.indices[i]] = edit.before[i];
    this._onDidChangeIds.fire({ ids, reason: 'undo' });
  }

  redo(edit: StrokeEdit): void {
    const ids = this.map.ids;
    for (let i = 0; i < edit.indices.length; i++) ids[edit.indices[i]] = edit.after;
    this._onDidChangeIds.fire({ ids, reason: 'redo' });
  }

  encode(): Uint8Array {
    try {
      return encodeLabelMap(this.map);
    } catch (e) {
      throw new SpadeInputError(`cannot save in this file's encoding: ${(e as Error).message}`, this.fileName);
    }
  }

  async save(): Promise<void> {
    await this.saveAs(this.uri);
  }

  async saveAs(target: vscode.Uri): Promise<void> {
    const bytes = this.encode();
    const own = target.toString() === this.uri.toString();
    if (own) this.savingBytes = bytes;
    try {
      await writeAtomic(target, bytes);
    } catch (e) {
      throw new SpadeInputError(
        `cannot save here: ${writeProblem(e)}`,
        target.scheme === 'file' ? target.fsPath : target.toString(),
      );
    } finally {
      this.savingBytes = undefined;
    }
    if (own) this.diskBytes = bytes;
  }

  async revert(): Promise<void> {
    const bytes = await vscode.workspace.fs.readFile(this.uri);
    this.map = this.decode(bytes, this.fileName);
    this.diskBytes = bytes;
    this._onDidChangeIds.fire({ ids: this.map.ids, reason: 'revert' });
  }

  /**
   * The file changed on disk (or was deleted). A clean document reloads. A dirty one keeps the
   * user's strokes and says 'conflict', so the editor can ask; nothing is written. Our own
   * saves are recognised by their bytes.
   */
  async onDiskChange(isDirty: boolean): Promise<'same' | 'reloaded' | 'conflict' | 'deleted'> {
    let bytes: Uint8Array;
    try {
      bytes = await vscode.workspace.fs.readFile(this.uri);
    } catch {
      return 'deleted'; // keep what the user has; saving writes it back
    }
    if (sameBytes(bytes, this.diskBytes) || (this.savingBytes && sameBytes(bytes, this.savingBytes))) return 'same';
    if (isDirty) return 'conflict';
    this.map = this.decode(bytes, this.fileName);
    this.diskBytes = bytes;
    this._onDidChangeIds.fire({ ids: this.map.ids, reason: 'reload' });
    return 'reloaded';
  }

  async backup(destination: vscode.Uri): Promise<vscode.CustomDocumentBackup> {
    // VS Code names the file; its folder may not exist yet.
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(destination, '..'));
    await writeAtomic(destination, this.encode());
    // Only a fallback for restoring (backup_index.ts): a failure here must not fail the backup.
    await recordBackup(this.uri, destination).catch(() => undefined);
    return {
      id: destination.toString(),
      delete: async () => {
        try {
          await vscode.workspace.fs.delete(destination);
        } catch {
          // already gone
        }
      },
    };
  }

  dispose(): void {
    this._onDidDispose.fire();
    this._onDidDispose.dispose();
    this._onDidChangeIds.dispose();
    this._onDidEdit.dispose();
  }
}

/**
 * The backup VS Code names, or, when that file is gone, the newest one we wrote for this label
 * map (see backup_index.ts). With neither, the file on disk opens and the note says so.
 */
async function readBackup(doc: vscode.Uri, backup: vscode.Uri, name: string): Promise<{ bytes?: Uint8Array; note?: string }> {
  try {
    return { bytes: await vscode.workspace.fs.readFile(backup) };
  } catch {
    const newest = await newestBackup(doc, backup);
    if (newest) {
      try {
        return { bytes: await vscode.workspace.fs.readFile(newest), note: `${name}: restored the unsaved strokes from the newest backup (VS Code named one that no longer exists).` };
      } catch {
        // gone as well: fall through
      }
    }
    return { note: `${name}: the hot-exit backup of the unsaved strokes is missing; opened the file as saved on disk.` };
  }
}

/** Why a write failed, in words (the code stays for searching). Root is not stopped by modes, so ENOTDIR/EISDIR matter too. */
function writeProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOTDIR: 'a part of the path is a file, not a folder',
    EISDIR: 'a folder is in the way',
    ENOENT: 'the folder does not exist',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is used up',
  };
  return code && why[code] ? `${why[code]} (${code})` : (e as Error).message;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
