/**
 * SPADE: Export Synthesized Image and SPADE: Copy Picture. The export writes the picture next to
 * the label map, named for its style (src/extension/picture_name.ts), atomically, and asks before
 * replacing a file. A label map larger than the model's output may be exported at its own size:
 * the picture upsampled (bilinear; src/webview/upsample.ts). Which size is asked once per export
 * (a QuickPick showing both sizes in pixels, the last choice first) and remembered.
 */
import * as vscode from 'vscode';
import { uriExists } from './uri_exists';
import type { PictureSize } from '../shared/protocol';
import type { CheckpointService } from './checkpoint_service';
import { writeAtomic } from './fs_atomic';
import type { Panel } from './panel';
import { pictureFileName } from './picture_name';
import type { UserDialogs } from './user_dialogs';

export type ExportSize = 'model' | 'labelMap';
export const EXPORT_SIZE_MEMENTO = 'spade.export.size';

export interface ExportArgs {
  uri?: vscode.Uri;
  /** Replace an existing file without asking (tests, other extensions). */
  overwrite?: boolean;
  /** Skip the question. `labelMap` on a map no larger than the model's output gives the model's size. */
  size?: ExportSize;
}

/** The label map's own size, when it is larger than the model's output (so exporting it upsamples). */
export function upsampledSize(map: PictureSize, model: PictureSize): PictureSize | undefined {
  const atLeast = map.width >= model.width && map.height >= model.height;
  const larger = atLeast && (map.width > model.width || map.height > model.height);
  return larger ? { width: map.width, height: map.height } : undefined;
}

async function askSize(
  context: vscode.ExtensionContext,
  dialogs: UserDialogs,
  model: PictureSize,
  map: PictureSize,
): Promise<ExportSize | undefined> {
  const last = context.globalState.get<ExportSize>(EXPORT_SIZE_MEMENTO, 'model');
  const items: (vscode.QuickPickItem & { value: ExportSize })[] = [
    { label: `Model size: ${model.width} × ${model.height} px`, description: 'the picture as the model renders it', value: 'model' },
    { label: `Label map size: ${map.width} × ${map.height} px`, description: 'the picture upsampled (bilinear)', value: 'labelMap' },
  ];
  items.sort((a, b) => Number(b.value === last) - Number(a.value === last));
  const title = 'SPADE: Export Synthesized Image: size';
  dialogs.hooks.recordNotice(`${title} (${items.map((i) => i.label).join(' | ')})`);
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'The size of the exported picture' });
  if (!picked) return undefined;
  await context.globalState.update(EXPORT_SIZE_MEMENTO, picked.value);
  return picked.value;
}

export async function exportPicture(
  context: vscode.ExtensionContext,
  panel: Panel,
  dialogs: UserDialogs,
  checkpoints: CheckpointService,
  args: ExportArgs | undefined,
): Promise<vscode.Uri | undefined> {
  const doc = panel.document;
  const model = (await checkpoints.get()).model.output;
  const larger = upsampledSize({ width: doc.width, height: doc.height }, model);
  let size: ExportSize = 'model';
  if (larger) {
    const chosen = args?.size ?? (await askSize(context, dialogs, model, larger));
    if (!chosen) return undefined;
    size = chosen;
  }
  const target = size === 'labelMap' ? larger : undefined;
  const picture = await panel.provider.requestExport(panel, target);
  const sameAsModel = picture.width === model.width && picture.height === model.height;
  const upsampled = sameAsModel ? undefined : { width: picture.width, height: picture.height };
  const name = pictureFileName(doc.fileName, picture.style, upsampled);
  const file = vscode.Uri.joinPath(doc.uri, '..', name);
  if ((await uriExists(file)) && !args?.overwrite && !(await dialogs.confirm(`${name} exists. Overwrite it?`, 'Overwrite'))) {
    return undefined;
  }
  await writeAtomic(file, picture.png);
  void vscode.window.showInformationMessage(`SPADE: wrote ${name} (${picture.width} × ${picture.height} px)`);
  return file;
}

/** SPADE: Copy Picture. Answers why the clipboard refused it, or undefined when it is copied. */
export async function copyPicture(panel: Panel): Promise<string | undefined> {
  const error = await panel.provider.requestCopy(panel);
  if (error) {
    const hint = 'The webview may write the clipboard only while it has the focus: click Copy in the editor\'s toolbar, or export the picture.';
    void vscode.window.showErrorMessage(`SPADE: could not copy the picture (${error}). ${hint}`);
  } else void vscode.window.setStatusBarMessage('SPADE: picture copied', 3000);
  return error;
}
