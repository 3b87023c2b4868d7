// An attempt that never opens (a server or proxy that accepts the TCP
// connection and never answers the upgrade), and what a socket leaves
// behind once it is closed for good.
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { connect, type Options, type Status } from '../src/nexo-client';
import { FakeWebSocket } from './fake';

const WS = FakeWebSocket as unknown as Options['WebSocket'];
const open = (url = 'ws://h/ws', opts: Options = {}) => {
  const sock = connect(url, { WebSocket: WS, random: () => 0.5, ...opts });
  return { sock, ws: FakeWebSocket.last() };
};
const flush = () => new Promise(r => setImmediate(r));

// A window or document that knows which listeners it holds.
class Target extends EventTarget {
  held = new Set<string>();
  visibilityState = 'visible';
  private ids = new WeakMap<object, number>();
  private next = 1;
  private key(type: string, fn: unknown) {
    const f = fn as object;
    if (!this.ids.has(f)) this.ids.set(f, this.next++);
    return `${type}:${this.ids.get(f)}`;
  }
  addEventListener(type: string, fn: EventListenerOrEventListenerObject | null, o?: AddEventListenerOptions | boolean) {
    this.held.add(this.key(type, fn));
    super.addEventListener(type, fn, o);
  }
  removeEventListener(type: string, fn: EventListenerOrEventListenerObject | null, o?: EventListenerOptions | boolean) {
    this.held.delete(this.key(type, fn));
    super.removeEventListener(type, fn, o);
  }
}

beforeEach(() => { FakeWebSocket.instances = []; vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }); });
afterEach(() => { vi.useRealTimers(); vi.unstubAllGlobals(); });

describe('an attempt that never opens', () => {
  it('is given up after 10 s by default: the socket closed and detached, onClose told 1006, retried with backoff', async () => {
    const closes: CloseEvent[] = [];
    const statuses: Status[] = [];
    const { sock, ws } = open('ws://h/ws', { onClose: ev => closes.push(ev) });
    sock.onStatus(s => statuses.push(s));
    vi.advanceTimersByTime(9999);
    expect(sock.status).toBe('connecting');
    vi.advanceTimersByTime(1);
    expect(ws.closedWith).toBeDefined();
    expect(ws.onopen).toBeNull(); // a late open of the abandoned socket changes nothing
    expect(closes.map(e => [e.code, e.reason])).toEqual([[1006, 'connect timeout']]);
    expect((sock.error as CloseEvent).code).toBe(1006);
    expect(sock.status).toBe('reconnecting');
    expect(sock.retries).toBe(1);
    vi.advanceTimersByTime(sock.retryAt! - Date.now());
    expect(FakeWebSocket.instances.length).toBe(2);
    expect(statuses).toEqual(['connecting', 'reconnecting', 'connecting']);
    FakeWebSocket.last().open();
    vi.advanceTimersByTime(60000); // open: no timeout any more
    expect(sock.status).toBe('open');
    expect(closes.length).toBe(1);
  });
  it('takes its time from connectTimeout, and 0 waits for the browser', () => {
    const { sock, ws } = open('ws://h/ws', { connectTimeout: 2000 });
    vi.advanceTimersByTime(2000);
    expect(ws.closedWith).toBeDefined();
    expect(sock.status).toBe('reconnecting');
    const never = open('ws://h/other', { connectTimeout: 0 });
    vi.advanceTimersByTime(600000);
    expect(never.ws.closedWith).toBeUndefined();
    expect(never.sock.status).toBe('connecting');
  });
  it('a failed attempt clears the timeout: the next attempt has its own', async () => {
    const closes: CloseEvent[] = [];
    const { ws } = open('ws://h/ws', { connectTimeout: 3000, random: () => 0, onClose: ev => closes.push(ev) });
    vi.advanceTimersByTime(2000);
    ws.drop(1006);
    await flush();
    vi.advanceTimersByTime(1); // the retry, at once with random 0
    expect(FakeWebSocket.instances.length).toBe(2);
    vi.advanceTimersByTime(2000); // 4 s after the first attempt started
    expect(closes.length).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(closes.map(e => e.reason)).toEqual(['', 'connect timeout']);
  });
  it('reconnectNow() while connecting gives the stuck attempt up and starts a fresh one', () => {
    const closes: CloseEvent[] = [];
    const { sock, ws } = open('ws://h/ws', { onClose: ev => closes.push(ev) });
    sock.reconnectNow();
    expect(ws.closedWith).toBeDefined();
    expect(ws.onclose).toBeNull();
    expect(FakeWebSocket.instances.length).toBe(2);
    expect(sock.status).toBe('connecting');
    expect(closes.map(e => e.code)).toEqual([1006]);
    FakeWebSocket.last().open();
    sock.reconnectNow(); // open: nothing
    expect(FakeWebSocket.instances.length).toBe(2);
    expect(sock.status).toBe('open');
  });
});

describe('a socket closed for good', () => {
  for (const code of [1008, 1009, 4403]) {
    it(`releases its window and document listeners when the server stops it (${code}), and takes them back on reconnectNow()`, async () => {
      const win = new Target(), doc = new Target();
      vi.stubGlobal('window', win);
      vi.stubGlobal('document', doc);
      const { sock, ws } = open('ws://h/ws');
      expect(win.held.size + doc.held.size).toBe(3);
      ws.open();
      ws.drop(code);
      await flush();
      expect(sock.status).toBe('closed');
      expect([...win.held, ...doc.held]).toEqual([]);
      sock.reconnectNow();
      expect(win.held.size + doc.held.size).toBe(3);
      FakeWebSocket.last().open();
      win.dispatchEvent(new Event('offline')); // listening again
      expect(sock.status).toBe('reconnecting');
      sock.close();
      expect([...win.held, ...doc.held]).toEqual([]);
    });
  }
  it('releases them when out of retries, and when onUnauthorized says no', async () => {
    const win = new Target(), doc = new Target();
    vi.stubGlobal('window', win);
    vi.stubGlobal('document', doc);
    const a = open('ws://h/a', { maxRetries: 0 });
    a.ws.drop(1006);
    await flush();
    expect(a.sock.status).toBe('closed');
    const b = open('ws://h/b', { onUnauthorized: () => false });
    b.ws.open();
    b.ws.drop(4401);
    await flush();
    expect(b.sock.status).toBe('closed');
    expect([...win.held, ...doc.held]).toEqual([]);
  });
});
