/** Host messages to their handlers: one handler per message type, as a table. */
import type { HostToWebview } from '../shared/protocol';

export type HostMessage<K extends HostToWebview['type']> = Extract<HostToWebview, { type: K }>;
export type HostHandlers = { [K in HostToWebview['type']]: (m: HostMessage<K>) => void };

/** Runs the message's handler; a type this webview does not know (a newer host) is ignored. */
export function dispatchHostMessage(handlers: HostHandlers, m: HostToWebview): void {
  if (!Object.hasOwn(handlers, m.type)) return;
  (handlers[m.type] as (m: HostToWebview) => void)(m);
}
