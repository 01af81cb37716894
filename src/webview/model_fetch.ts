/** The page fetches its model's bytes from the webview resource the host names (see CheckpointInfo). */
import type { CheckpointInfo } from '../shared/protocol';

export async function fetchModel(ck: CheckpointInfo): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(ck.url);
  } catch (e) {
    throw new Error(`${ck.name}: could not be fetched (${(e as Error).message})`);
  }
  if (!res.ok) throw new Error(`${ck.name}: could not be fetched (${res.status} ${res.statusText})`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  // The file was rewritten between the host's read and this fetch: the next reload brings the new one.
  if (bytes.byteLength !== ck.byteLength) throw new Error(`${ck.name}: got ${bytes.byteLength} bytes, expected ${ck.byteLength} (changed while loading?)`);
  return bytes;
}
