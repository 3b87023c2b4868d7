import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { connect, closeAction, resolveURL, RequestError, type Options } from '../src/nexo-client';
import { FakeWebSocket } from './fake';

const WS = FakeWebSocket as unknown as Options['WebSocket'];
const open = (url = 'ws://example.test/ws', opts: Options = {}) => {
  const sock = connect(url, { WebSocket: WS, random: () => 0.5, ...opts });
  return { sock, ws: FakeWebSocket.last() };
};
const flush = () => new Promise(r => setImmediate(r));

beforeEach(() => { FakeWebSocket.instances = []; vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }); });
afterEach(() => { vi.useRealTimers(); });

describe('status', () => {
  it('goes connecting → open → closed', () => {
    const seen: string[] = [];
    const { sock, ws } = open();
    sock.onStatus(s => seen.push(s));
    ws.open();
    sock.close();
    expect(seen).toEqual(['connecting', 'open', 'closed']);
    expect(ws.closedWith).toEqual([1000, '']);
  });
});

describe('send', () => {
  it('sends strings as is and other values as JSON, binary as binary', () => {
    const { sock, ws } = open();
    ws.open();
    const buf = new Uint8Array([1, 2]);
    expect(sock.send('hi')).toBe(true);
    expect(sock.send({ a: 1 })).toBe(true);
    expect(sock.send(buf)).toBe(true);
    expect(ws.sent).toEqual(['hi', '{"a":1}', buf]);
  });
  it('returns false when not open and nothing is buffered', () => {
    const { sock } = open();
    expect(sock.send('x')).toBe(false);
  });
  it('buffers while offline, drops the oldest, flushes in order on reconnect', async () => {
    const { sock, ws } = open('ws://h/ws', { buffer: 2 });
    expect(sock.send('a')).toBe(true);
    expect(sock.send('b')).toBe(true);
    expect(sock.send('c')).toBe(true);
    ws.open();
    expect(ws.sent).toEqual(['b', 'c']);
    ws.drop(1006);
    await flush();
    sock.send('d');
    vi.runOnlyPendingTimers();
    FakeWebSocket.last().open();
    expect(FakeWebSocket.last().sent).toEqual(['d']);
  });
});

describe('messages', () => {
  it('parses JSON and keeps other text', () => {
    const got: unknown[] = [];
    const { sock, ws } = open();
    sock.onMessage(d => got.push(d));
    ws.open();
    ws.message('{"x":1}');
    ws.message('plain');
    expect(got).toEqual([{ x: 1 }, 'plain']);
    expect(sock.lastMessage).toBe('plain');
  });
  it('dispatches events and error frames', () => {
    const { sock, ws } = open();
    const events: unknown[] = [], errors: unknown[] = [];
    sock.on('tick', d => events.push(d));
    sock.on('error', e => errors.push(e));
    ws.open();
    ws.message('{"event":"tick","data":3}');
    ws.message('{"type":"error","error":"rate_limited"}');
    expect(events).toEqual([3]);
    expect(errors).toEqual([{ type: 'error', error: 'rate_limited' }]);
  });
});

describe('request', () => {
  it('resolves with the reply carrying its ref', async () => {
    const { sock, ws } = open();
    ws.open();
    const p = sock.request('sum', [1, 2]);
    expect(JSON.parse(ws.sent[0] as string)).toEqual({ event: 'sum', data: [1, 2], ref: 1 });
    ws.message('{"type":"reply","ref":1,"data":3}');
    await expect(p).resolves.toBe(3);
  });
  it('rejects with the server error', async () => {
    const { sock, ws } = open();
    ws.open();
    const p = sock.request('signup', {});
    ws.message('{"type":"error","ref":1,"error":"validation","message":"validation failed","fields":{"name":"required"}}');
    const err = await p.catch(e => e);
    expect(err).toBeInstanceOf(RequestError);
    expect(err.code).toBe('validation');
    expect(err.fields).toEqual({ name: 'required' });
  });
  it('rejects on timeout and when the socket closes first', async () => {
    const { sock, ws } = open();
    ws.open();
    const t = sock.request('slow', null, { timeout: 100 });
    vi.advanceTimersByTime(100);
    expect((await t.catch(e => e)).code).toBe('timeout');
    const c = sock.request('slow');
    ws.drop(1006);
    expect((await c.catch(e => e)).code).toBe('closed');
  });
});

describe('reconnect', () => {
  it('follows the close-code contract', () => {
    expect([1000, 1003, 1008, 1009, 4403].map(closeAction)).toEqual(Array(5).fill('stop'));
    expect([1001, 1013, 4429].map(closeAction)).toEqual(['later', 'later', 'later']);
    expect(closeAction(4401)).toBe('reauth');
    expect([1006, 1011, 4000].map(closeAction)).toEqual(['retry', 'retry', 'retry']);
  });
  it('does not reconnect after 1000, 4403 or a policy close (1003, 1008, 1009)', async () => {
    for (const code of [1000, 4403, 1003, 1008, 1009]) {
      FakeWebSocket.instances = [];
      const { sock, ws } = open();
      ws.open();
      ws.drop(code);
      await flush();
      vi.runAllTimers();
      expect(FakeWebSocket.instances.length).toBe(1);
      expect(sock.status).toBe('closed');
    }
  });
  it('backs off exponentially with jitter, capped, and resets after a stable open', async () => {
    const { sock, ws } = open('ws://h/ws', { backoff: { base: 100, cap: 1000 }, random: () => 0.999 });
    ws.open();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      FakeWebSocket.last().drop(1006);
      await flush();
      const before = FakeWebSocket.instances.length;
      let waited = 0;
      while (FakeWebSocket.instances.length === before) { vi.advanceTimersByTime(1); waited++; }
      delays.push(waited);
    }
    expect(delays).toEqual([99, 199, 399, 799, 999, 999]); // floor(0.999 × min(cap, base·2ⁿ))
    FakeWebSocket.last().open();
    vi.advanceTimersByTime(5000);
    expect(sock.retries).toBe(0);
  });
  it('waits longer after 1001 and 1013', async () => {
    const { ws } = open('ws://h/ws', { retryAfter: 2000, backoff: { base: 100, cap: 100 }, random: () => 0 });
    ws.open();
    ws.drop(1001);
    await flush();
    vi.advanceTimersByTime(1999);
    expect(FakeWebSocket.instances.length).toBe(1);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances.length).toBe(2);
  });
  it('waits longer after 4429 too, and retries 1011 and 4000 with normal backoff', async () => {
    for (const [code, min] of [[4429, 2000], [1011, 0], [4000, 0]]) {
      FakeWebSocket.instances = [];
      const { ws } = open('ws://h/ws', { backoff: { base: 100, cap: 100 }, random: () => 0 });
      ws.open();
      ws.drop(code);
      await flush();
      if (min > 0) { vi.advanceTimersByTime(min - 1); expect(FakeWebSocket.instances.length).toBe(1); }
      vi.advanceTimersByTime(1);
      expect(FakeWebSocket.instances.length).toBe(2);
    }
  });
  it('never reconnects after close() by the app', async () => {
    const { sock, ws } = open();
    ws.open();
    sock.close();
    ws.drop(1006);
    await flush();
    vi.runAllTimers();
    expect(FakeWebSocket.instances.length).toBe(1);
    expect(sock.status).toBe('closed');
    expect(sock.send('x')).toBe(false);
  });
  it('stops on 4401 when onUnauthorized rejects or returns false', async () => {
    for (const onUnauthorized of [async () => { throw new Error('no'); }, async () => false as const]) {
      FakeWebSocket.instances = [];
      const { sock, ws } = open('ws://h/ws', { onUnauthorized });
      ws.drop(4401);
      await flush();
      vi.runAllTimers();
      expect(FakeWebSocket.instances.length).toBe(1);
      expect(sock.status).toBe('closed');
    }
  });
  it('asks onUnauthorized on 4401 and reconnects with what it returns', async () => {
    const onUnauthorized = vi.fn(async () => ({ url: 'ws://h/ws?token=new' }));
    const { ws } = open('ws://h/ws', { onUnauthorized, random: () => 0 });
    ws.drop(4401);
    await flush();
    vi.runOnlyPendingTimers();
    expect(onUnauthorized).toHaveBeenCalledOnce();
    expect(FakeWebSocket.last().url).toBe('ws://h/ws?token=new&nexo_heartbeat=1');
  });
  it('stops on 4401 without onUnauthorized, and after maxRetries', async () => {
    const { sock, ws } = open();
    ws.drop(4401);
    await flush();
    vi.runAllTimers();
    expect(FakeWebSocket.instances.length).toBe(1);
    expect(sock.status).toBe('closed');

    FakeWebSocket.instances = [];
    open('ws://h/ws', { maxRetries: 2, random: () => 0 });
    for (let i = 0; i < 5; i++) {
      FakeWebSocket.last().drop(1006);
      await flush();
      vi.runOnlyPendingTimers();
    }
    expect(FakeWebSocket.instances.length).toBe(3);
  });
});

describe('protocols, state and reconnect options', () => {
  it('offers the protocols at every handshake, and the ones onUnauthorized returns after 4401', async () => {
    const { ws } = open('ws://h/ws', {
      protocols: ['nexo.v1', 'token.abc'], random: () => 0,
      onUnauthorized: () => ({ protocols: ['nexo.v1', 'token.new'] }),
    });
    expect(ws.protocols).toEqual(['nexo.v1', 'token.abc']);
    ws.drop(1006);
    await flush();
    vi.runOnlyPendingTimers();
    expect(FakeWebSocket.last().protocols).toEqual(['nexo.v1', 'token.abc']);
    FakeWebSocket.last().drop(4401);
    await flush();
    vi.runOnlyPendingTimers();
    expect(FakeWebSocket.last().protocols).toEqual(['nexo.v1', 'token.new']);
    expect(FakeWebSocket.last().url).toBe('ws://h/ws?nexo_heartbeat=1');
  });
  it('keeps the abnormal close in error until the next open, and no error for 1000', async () => {
    const { sock, ws } = open('ws://h/ws', { random: () => 0 });
    ws.open();
    expect(sock.error).toBeUndefined();
    ws.drop(1011, 'boom');
    await flush();
    expect((sock.error as CloseEvent).code).toBe(1011);
    vi.runOnlyPendingTimers();
    FakeWebSocket.last().open();
    expect(sock.error).toBeUndefined();
    FakeWebSocket.last().drop(1000);
    await flush();
    expect(sock.error).toBeUndefined();
    expect(sock.status).toBe('closed');
  });
  it('never reconnects with reconnect: false, whatever the code', async () => {
    const { sock, ws } = open('ws://h/ws', { reconnect: false });
    ws.open();
    ws.drop(1006);
    await flush();
    vi.runAllTimers();
    expect(FakeWebSocket.instances.length).toBe(1);
    expect(sock.status).toBe('closed');
  });
  it('keeps lastMessage as the data onMessage got', () => {
    const { sock, ws } = open();
    ws.open();
    ws.message('{"type":"welcome","users":["ada"]}');
    expect(sock.lastMessage).toEqual({ type: 'welcome', users: ['ada'] });
  });
});

describe('resolveURL', () => {
  it('resolves paths against the page with the matching scheme', () => {
    expect(resolveURL('/ws', 'https://app.test/page')).toBe('wss://app.test/ws');
    expect(resolveURL('ws', 'http://app.test/chat/')).toBe('ws://app.test/chat/ws');
    expect(resolveURL('wss://other.test/x', 'http://app.test/')).toBe('wss://other.test/x');
    expect(resolveURL('http://a.test:8000/ws', 'https://b.test/')).toBe('ws://a.test:8000/ws');
  });
});
