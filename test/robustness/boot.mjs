// Worker entry: registers tsx's loader in this thread, then runs the TypeScript suite.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
