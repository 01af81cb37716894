#!/usr/bin/env node
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { main } from './main';
import { REPLICA_WORKER, runReplica, type ReplicaInit } from './train/data_parallel';

// `spade train --workers N` starts this script again in worker threads, one per extra replica.
const replica = isMainThread ? undefined : (workerData as ReplicaInit | undefined);
if (replica?.kind === REPLICA_WORKER) void runReplica(replica, parentPort!);
else main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`spade: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
