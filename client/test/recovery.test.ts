import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { connect, sinceParam, maxSinceTopics, maxSinceBytes, maxSinceURLBytes, type Options, type Joined, type Publication, type Position } from '../src/nexo-client';
import { FakeWebSocket } from './fake';

const WS = FakeWebSocket as unknown as Options['WebSocket'];
const open = (url = 'ws://h/chat/lobby?name=ada', opts: Options = {}) => {
  const sock = connect(url, { WebSocket: WS, random: () => 0, ...opts });
  return { sock, ws: FakeWebSocket.last() };
};
const flush = () => new Promise(r => setImmediate(r));
const pub = (topic: string, epoch: string, offset: number, data: unknown, extra = {}) =>
  JSON.stringify({ type: 'pub', topic, epoch, offset, data, ...extra });
const joined = (topic: string, epoch: string, offset: number, recovered = true) =>
  JSON.stringify({ type: 'joined', topic, epoch, offset, recovered });
// since returns the nexo_since a fake socket dialled with, parsed.
const since = (ws: FakeWebSocket) => {
  const v = new URL(ws.url).searchParams.get('nexo_since');
  return v == null ? undefined : JSON.parse(v);
};
// reconnect drops the current socket and returns the next one, open.
async function reconnect(): Promise<FakeWebSocket> {
  FakeWebSocket.last().drop(1006);
  await flush();
  vi.runOnlyPendingTimers();
  const ws = FakeWebSocket.last();
  ws.open();
  return ws;
}

beforeEach(() => { FakeWebSocket.instances = []; vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }); });
afterEach(() => { vi.useRealTimers(); });

describe('publications', () => {
  it('unwraps pub frames for onMessage and remembers the position per topic', () => {
    const got: unknown[] = [], pubs: Publication[] = [];
    const { sock, ws } = open();
    sock.onMessage(d => got.push(d));
    sock.onPublication(p => pubs.push(p));
    ws.open();
    ws.message(pub('chat:lobby', 'E', 1, { text: 'a' }));
    ws.message(pub('chat:lobby', 'E', 2, 'b'));
    ws.message(pub('news', 'F', 7, null));
    expect(got).toEqual([{ text: 'a' }, 'b', null]);
    expect(sock.lastMessage).toBeNull();
    expect(pubs.map(p => `${p.topic}@${p.epoch}:${p.offset}`)).toEqual(['chat:lobby@E:1', 'chat:lobby@E:2', 'news@F:7']);
    expect(sock.positions()).toEqual({ 'chat:lobby': { epoch: 'E', offset: 2 }, news: { epoch: 'F', offset: 7 } });
  });
  it('drops a pub at or below the remembered offset of the same epoch, keeps a new epoch', () => {
    const got: unknown[] = [];
    const { sock, ws } = open();
    sock.onMessage(d => got.push(d));
    ws.open();
    for (const [e, o, d] of [['E', 1, 1], ['E', 2, 2], ['E', 2, 'dup'], ['E', 1, 'old'], ['E', 3, 3], ['G', 1, 'new epoch'], ['G', 1, 'dup']] as const) {
      ws.message(pub('t', e, o, d));
    }
    expect(got).toEqual([1, 2, 3, 'new epoch']);
    expect(sock.positions()).toEqual({ t: { epoch: 'G', offset: 1 } });
  });
  it('decodes base64 payloads to an ArrayBuffer', () => {
    const got: unknown[] = [];
    const { sock, ws } = open();
    sock.onMessage(d => got.push(d));
    ws.open();
    ws.message(pub('bin', 'E', 1, 'AQL/', { encoding: 'base64' }));
    expect(got[0]).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(got[0] as ArrayBuffer)]).toEqual([1, 2, 255]);
  });
  it('dispatches an event frame published on a topic to on(event), never to a pending request', async () => {
    const { sock, ws } = open();
    const seen: unknown[] = [];
    sock.on('tick', d => seen.push(d));
    ws.open();
    const req = sock.request('x', null, { timeout: 50 });
    ws.message(pub('t', 'E', 1, { event: 'tick', data: 5 }));
    ws.message(pub('t', 'E', 2, { type: 'reply', ref: 1, data: 'forged' }));
    expect(seen).toEqual([5]);
    vi.advanceTimersByTime(50);
    expect((await req.catch(e => e)).code).toBe('timeout');
  });
  it('leaves frames that are not well-formed pub frames alone', () => {
    const got: unknown[] = [];
    const { sock, ws } = open();
    sock.onMessage(d => got.push(d));
    ws.open();
    ws.message('{"type":"pub","topic":"t","offset":1,"data":1}'); // no epoch
    ws.message('{"type":"pub","topic":"t","epoch":"E","offset":-1}');
    expect(got).toEqual([{ type: 'pub', topic: 't', offset: 1, data: 1 }, { type: 'pub', topic: 't', epoch: 'E', offset: -1 }]);
    expect(sock.positions()).toEqual({});
  });
});

describe('joined', () => {
  it('sets the position, reaches onRecovery (option and listener), never onMessage', () => {
    const got: unknown[] = [], viaOpt: Joined[] = [], viaFn: Joined[] = [];
    const { sock, ws } = open(undefined, { onRecovery: j => viaOpt.push(j) });
    sock.onMessage(d => got.push(d));
    const off = sock.onRecovery(j => viaFn.push(j));
    ws.open();
    ws.message(joined('chat:lobby', 'E', 0));
    ws.message(pub('chat:lobby', 'E', 1, 'first'));
    off();
    ws.message(joined('chat:lobby', 'E2', 9, false));
    expect(got).toEqual(['first']);
    expect(viaOpt).toEqual([
      { topic: 'chat:lobby', epoch: 'E', offset: 0, recovered: true },
      { topic: 'chat:lobby', epoch: 'E2', offset: 9, recovered: false },
    ]);
    expect(viaFn).toHaveLength(1);
    expect(sock.positions()).toEqual({ 'chat:lobby': { epoch: 'E2', offset: 9 } });
  });
  it('treats a missing recovered as false: loss is never hidden', () => {
    const seen: Joined[] = [];
    const { sock, ws } = open();
    sock.onRecovery(j => seen.push(j));
    ws.open();
    ws.message('{"type":"joined","topic":"t","epoch":"E","offset":3}');
    expect(seen[0].recovered).toBe(false);
  });
});

describe('nexo_since', () => {
  it('is absent until a position is known, then sent on every reconnect with the latest positions', async () => {
    const { ws } = open();
    expect(ws.url).toBe('ws://h/chat/lobby?name=ada&nexo_heartbeat=1');
    ws.open();
    ws.message(joined('chat:lobby', 'E', 4));
    ws.message(pub('chat:lobby', 'E', 5, 'x'));
    let next = await reconnect();
    expect(new URL(next.url).searchParams.get('name')).toBe('ada');
    expect(since(next)).toEqual({ 'chat:lobby': { epoch: 'E', offset: 5 } });
    next.message(pub('chat:lobby', 'E', 6, 'y'));
    next = await reconnect();
    expect(since(next)).toEqual({ 'chat:lobby': { epoch: 'E', offset: 6 } });
  });
  it('recovers across a reconnect: replayed messages once, the seam without duplicates', async () => {
    const got: unknown[] = [];
    const { sock, ws } = open();
    sock.onMessage(d => got.push(d));
    ws.open();
    ws.message(joined('t', 'E', 0));
    ws.message(pub('t', 'E', 1, 1));
    ws.message(pub('t', 'E', 2, 2));
    const next = await reconnect();
    expect(since(next)).toEqual({ t: { epoch: 'E', offset: 2 } });
    // A server that resends the seam: 2 again, then 3..5, joined, 5 again live.
    for (const o of [2, 3, 4, 5]) next.message(pub('t', 'E', o, o));
    next.message(joined('t', 'E', 5));
    next.message(pub('t', 'E', 5, 5));
    next.message(pub('t', 'E', 6, 6));
    expect(got).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('starts from the positions option, on the first connect too, and keeps a query and a URL given by onUnauthorized', async () => {
    const start = { 'chat:lobby': { epoch: 'E', offset: 41 } };
    const { ws } = open('ws://h/ws', { positions: start, onUnauthorized: () => ({ url: 'ws://h/ws?token=t' }) });
    expect(since(ws)).toEqual(start);
    ws.drop(4401);
    await flush();
    vi.runOnlyPendingTimers();
    const next = FakeWebSocket.last();
    expect(new URL(next.url).searchParams.get('token')).toBe('t');
    expect(since(next)).toEqual(start);
  });
  it('ignores malformed starting positions', () => {
    const { sock } = open('ws://h/ws', { positions: { a: { epoch: 'E', offset: 1.5 }, b: null as unknown as Position, c: { epoch: 'E', offset: 2 } } });
    expect(sock.positions()).toEqual({ c: { epoch: 'E', offset: 2 } });
  });
  it('keeps within the server caps, most recently updated topics first', () => {
    const m = new Map<string, Position>();
    for (let i = 0; i < 100; i++) m.set(`t${i}`, { epoch: 'E', offset: i });
    const few = JSON.parse(sinceParam(m));
    expect(Object.keys(few)).toHaveLength(maxSinceTopics);
    expect(few.t99).toEqual({ epoch: 'E', offset: 99 });
    expect(few.t35).toBeUndefined();

    const big = new Map<string, Position>();
    for (let i = 0; i < 20; i++) big.set(`${'x'.repeat(1000)}${i}`, { epoch: 'E', offset: i });
    const s = sinceParam(big);
    expect(new TextEncoder().encode(s).length).toBeLessThanOrEqual(maxSinceBytes);
    expect(encodeURIComponent(s).length).toBeLessThanOrEqual(maxSinceURLBytes);
    expect(Object.keys(JSON.parse(s))).toHaveLength(3); // 4 KiB once URL-encoded
    expect(JSON.parse(s)[`${'x'.repeat(1000)}19`]).toBeDefined();
    expect(sinceParam(new Map())).toBe('');
  });
  it('keeps nexo_since within maxSinceURLBytes once URL-encoded, so that a proxy\'s default 8 KiB request line takes it', () => {
    const m = new Map<string, Position>();
    const topic = (i: number) => `feed:${String(i).padStart(2, '0')}:${'x'.repeat(92)}`;
    for (let i = 0; i < 64; i++) m.set(topic(i), { epoch: 'e'.repeat(16), offset: 1000 + i });
    expect(maxSinceURLBytes).toBeLessThanOrEqual(4096);
    const s = sinceParam(m);
    expect(encodeURIComponent(s).length).toBeLessThanOrEqual(maxSinceURLBytes);
    const kept = Object.keys(JSON.parse(s));
    expect(kept.length).toBeGreaterThan(10);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => topic(63 - i))); // the newest
    const { ws } = open('ws://h/ws', { positions: Object.fromEntries(m) });
    expect(ws.url.length).toBeLessThanOrEqual('ws://h/ws?nexo_since='.length + maxSinceURLBytes);
  });
  it('tells onRecovery recovered:false for a topic whose position did not fit in nexo_since, unless it provably missed nothing', () => {
    // 64 topics of 100 characters: the oldest do not fit in the URL.
    const topic = (i: number) => `feed:${String(i).padStart(2, '0')}:${'x'.repeat(92)}`;
    const positions: Record<string, Position> = {};
    for (let i = 0; i < 64; i++) positions[topic(i)] = { epoch: 'E', offset: 10 };
    const got: Joined[] = [];
    const { ws } = open('ws://h/ws', { positions, onRecovery: j => got.push(j) });
    const sent = since(ws);
    for (const i of [0, 1, 2, 3]) expect(sent[topic(i)]).toBeUndefined();
    expect(sent[topic(63)]).toBeDefined();
    ws.open();
    // The server takes the left-out topics for newcomers: recovered:true.
    ws.message(joined(topic(0), 'E', 15));            // moved on, nothing replayed: 5 lost
    ws.message(joined(topic(1), 'E', 10));            // nothing new: nothing lost
    ws.message(pub(topic(2), 'E', 11, 'a'));          // RecoverLast replayed from where it was
    ws.message(pub(topic(2), 'E', 12, 'b'));
    ws.message(joined(topic(2), 'E', 12));
    ws.message(pub(topic(3), 'E', 14, 'c'));          // RecoverLast replayed too little: 11-13 lost
    ws.message(joined(topic(3), 'E', 14));
    ws.message(joined(topic(63), 'E', 10));           // sent: the server's word
    expect(got.map(j => [j.topic.slice(0, 7), j.recovered])).toEqual([
      ['feed:00', false], ['feed:01', true], ['feed:02', true], ['feed:03', false], ['feed:63', true],
    ]);
  });
  it('keeps positions after close(), for the application to save', () => {
    const { sock, ws } = open();
    ws.open();
    ws.message(pub('t', 'E', 3, 'x'));
    sock.close();
    expect(sock.positions()).toEqual({ t: { epoch: 'E', offset: 3 } });
  });
});
