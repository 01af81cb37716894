// The request/reply helper: ids are fresh, answers reach their own request once, timeouts reject.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestReply } from '../../src/shared/request_reply';

test('each answer settles the request with its id, once', async () => {
  const rr = new RequestReply<string>();
  const sent: number[] = [];
  const a = rr.request((id) => sent.push(id));
  const b = rr.request((id) => sent.push(id));
  assert.equal(sent.length, 2);
  assert.notEqual(sent[0], sent[1]);
  rr.resolve(sent[1], 'b');
  rr.resolve(sent[0], 'a');
  rr.resolve(sent[0], 'late');
  assert.deepEqual(await Promise.all([a, b]), ['a', 'b']);
});

test('a rejected request rejects with the given error; unknown ids are ignored', async () => {
  const rr = new RequestReply<number>();
  let id = 0;
  const p = rr.request((i) => (id = i));
  rr.resolve(id + 100, 1);
  rr.reject(id, new Error('no encoder'));
  await assert.rejects(p, /no encoder/);
});

test('a request with a timeout rejects with its message when no answer comes', async () => {
  const rr = new RequestReply<number>();
  let id = 0;
  const p = rr.request((i) => (id = i), { ms: 10, message: 'did not answer' });
  await assert.rejects(p, /did not answer/);
  rr.resolve(id, 1); // too late: ignored
  const q = rr.request((i) => rr.resolve(i, 7), { ms: 10, message: 'x' });
  assert.equal(await q, 7);
});

test('a send that throws rejects its request, and rejectAll fails every waiting one', async () => {
  const rr = new RequestReply<number>();
  await assert.rejects(
    rr.request(() => {
      throw new Error('channel closed');
    }),
    /channel closed/,
  );
  const ids: number[] = [];
  const a = rr.request((id) => ids.push(id));
  const b = rr.request((id) => ids.push(id));
  rr.rejectAll(new Error('worker crashed'));
  await assert.rejects(a, /worker crashed/);
  await assert.rejects(b, /worker crashed/);
  // Settled requests are forgotten: a late answer changes nothing and a new request waits afresh.
  rr.resolve(ids[0], 1);
  const c = rr.request((id) => ids.push(id));
  rr.resolve(ids[2], 3);
  assert.equal(await c, 3);
});
