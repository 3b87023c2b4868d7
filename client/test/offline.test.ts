// Requests made while offline, the status while waiting to retry, and the
// ways to retry at once.
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { connect, type Options, type Status } from '../src/nexo-client';
import { FakeWebSocket } from './fake';

const WS = FakeWebSocket as unknown as Options['WebSocket'];
const open = (url = 'ws://h/ws', opts: Options = {}) => {
  const sock = connect(url, { WebSocket: WS, random: () => 0.5, ...opts });
  return { sock, ws: FakeWebSocket.last() };
};
const flush = () => new Promise(r => setImmediate(r));
// frames returns the JSON frames a fake socket sent, parsed.
const frames = (ws: FakeWebSocket) => ws.sent.map(s => JSON.parse(s as string));

beforeEach(() => { FakeWebSocket.instances = []; vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }); });
afterEach(() => { vi.useRealTimers(); vi.unstubAllGlobals(); });

describe('requests while offline', () => {
  it('a buffered request that timed out is never sent later', async () => {
    const { sock, ws } = open('ws://h/ws', { buffer: 5 });
    const r = sock.request('chat.send', { text: 'late' }, { timeout: 100 });
    vi.advanceTimersByTime(100);
    expect((await r.catch(e => e)).code).toBe('timeout');
    ws.open();
    expect(ws.sent).toEqual([]);
  });
  it('a buffered request survives a failed attempt, is sent once on open and resolves', async () => {
    const { sock, ws } = open('ws://h/ws', { buffer: 5, random: () => 0 });
    const r = sock.request('chat.send', { text: 'queued' }, { timeout: 60000 });
    ws.drop(1006); // the attempt fails before it opens
    await flush();
    vi.advanceTimersByTime(1);
    const next = FakeWebSocket.last();
    expect(next).not.toBe(ws);
    next.open();
    expect(frames(next)).toEqual([{ event: 'chat.send', data: { text: 'queued' }, ref: 1 }]);
    next.message('{"type":"reply","ref":1,"data":"ok"}');
    await expect(r).resolves.toBe('ok');
  });
  it('a request sent on a connection that drops is rejected and never sent again', async () => {
    const { sock, ws } = open('ws://h/ws', { buffer: 5, random: () => 0 });
    ws.open();
    const r = sock.request('chat.send', { text: 'once' });
    ws.drop(1006);
    expect((await r.catch(e => e)).code).toBe('closed');
    vi.runOnlyPendingTimers();
    FakeWebSocket.last().open();
    expect(FakeWebSocket.last().sent).toEqual([]);
    expect(ws.sent.length).toBe(1);
  });
  it('a request pushed out of a full buffer is rejected with "dropped"', async () => {
    const { sock, ws } = open('ws://h/ws', { buffer: 1 });
    const r = sock.request('a');
    expect(sock.send('b')).toBe(true);
    expect((await r.catch(e => e)).code).toBe('dropped');
    ws.open();
    expect(ws.sent).toEqual(['b']);
  });
  it('close() rejects a buffered request and sends nothing', async () => {
    const { sock } = open('ws://h/ws', { buffer: 5 });
    const r = sock.request('a');
    sock.close();
    expect((await r.catch(e => e)).code).toBe('closed');
  });
});

describe('status while reconnecting', () => {
  it('is "reconnecting" with retryAt while waiting, "closed" only for good', async () => {
    const seen: Status[] = [];
    const { sock, ws } = open('ws://h/ws', { backoff: { base: 1000, cap: 1000 }, random: () => 0.5 });
    sock.onStatus(s => seen.push(s));
    ws.open();
    const t0 = Date.now();
    ws.drop(1006);
    await flush();
    expect(sock.status).toBe('reconnecting');
    expect(sock.retryAt).toBe(t0 + 500);
    vi.advanceTimersByTime(500);
    expect(sock.status).toBe('connecting');
    expect(sock.retryAt).toBeUndefined();
    FakeWebSocket.last().drop(4403);
    await flush();
    expect(sock.status).toBe('closed');
    expect(seen).toEqual(['connecting', 'open', 'reconnecting', 'connecting', 'closed']);
  });
  it('caps the default backoff at 5 s', async () => {
    const { sock, ws } = open('ws://h/ws', { random: () => 0.999 });
    ws.open();
    for (let i = 0; i < 10; i++) {
      FakeWebSocket.last().drop(1006);
      await flush();
      expect(sock.retryAt! - Date.now()).toBeLessThan(5000);
      vi.runOnlyPendingTimers();
    }
  });
  it('reconnectNow() skips the wait, and reopens after the server stopped it', async () => {
    const { sock, ws } = open('ws://h/ws', { backoff: { base: 60000, cap: 60000 }, connectTimeout: 0 });
    ws.open();
    ws.drop(1006);
    await flush();
    expect(FakeWebSocket.instances.length).toBe(1);
    sock.reconnectNow();
    expect(FakeWebSocket.instances.length).toBe(2);
    expect(sock.status).toBe('connecting');
    vi.runAllTimers(); // the old timer is gone
    expect(FakeWebSocket.instances.length).toBe(2);
    FakeWebSocket.last().open();
    sock.reconnectNow(); // open: nothing
    expect(FakeWebSocket.instances.length).toBe(2);
    FakeWebSocket.last().drop(1008);
    await flush();
    expect(sock.status).toBe('closed');
    sock.reconnectNow();
    expect(FakeWebSocket.instances.length).toBe(3);
    sock.close();
    sock.reconnectNow(); // closed by the application: stays closed
    expect(FakeWebSocket.instances.length).toBe(3);
  });
  it('reconnectNow() leaves a pending onUnauthorized to decide: one socket, with the new URL', async () => {
    let answer!: (r: { url: string }) => void;
    const onUnauthorized = () => new Promise<{ url: string }>(r => { answer = r; });
    const { sock, ws } = open('ws://h/ws', { onUnauthorized, random: () => 0, connectTimeout: 0 });
    ws.open();
    ws.drop(4401);
    await flush();
    expect(sock.status).toBe('reconnecting');
    sock.reconnectNow();
    expect(FakeWebSocket.instances.length).toBe(1);
    answer({ url: 'ws://h/ws?token=new' });
    await flush();
    vi.runAllTimers();
    expect(FakeWebSocket.instances.length).toBe(2);
    expect(FakeWebSocket.last().url).toBe('ws://h/ws?token=new&nexo_heartbeat=1');
  });
  it('retries at once on the browser\'s online event and when the page becomes visible', async () => {
    const win = new EventTarget();
    const doc = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
    vi.stubGlobal('window', win);
    vi.stubGlobal('document', doc);
    const { sock, ws } = open('ws://h/ws', { backoff: { base: 60000, cap: 60000 } });
    ws.open();
    ws.drop(1006);
    await flush();
    win.dispatchEvent(new Event('online'));
    expect(FakeWebSocket.instances.length).toBe(2);
    FakeWebSocket.last().drop(1006);
    await flush();
    doc.dispatchEvent(new Event('visibilitychange')); // still hidden
    expect(FakeWebSocket.instances.length).toBe(2);
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(FakeWebSocket.instances.length).toBe(3);
    FakeWebSocket.last().open();
    win.dispatchEvent(new Event('online')); // open: nothing to do
    expect(FakeWebSocket.instances.length).toBe(3);
    sock.close();
    win.dispatchEvent(new Event('online')); // closed: listeners gone
    expect(FakeWebSocket.instances.length).toBe(3);
  });
});

describe('on open', () => {
  it('sends what onOpen sends first, then what status listeners send, then the offline buffer', () => {
    let sock!: ReturnType<typeof connect>;
    const seen: string[] = [];
    ({ sock } = open('ws://h/ws', {
      buffer: 5,
      onOpen: () => { seen.push(sock.status); sock.send({ token: 't' }); },
    }));
    sock.onStatus(s => { if (s === 'open') sock.send({ hello: 1 }); });
    sock.send({ n: 1 });
    sock.send({ n: 2 });
    const ws = FakeWebSocket.last();
    ws.open();
    expect(seen).toEqual(['open']);
    expect(frames(ws)).toEqual([{ token: 't' }, { hello: 1 }, { n: 1 }, { n: 2 }]);
  });
  it('sends nothing more when onOpen closes the socket, and tells no one it was open', () => {
    const statuses: Status[] = [];
    let sock!: ReturnType<typeof connect>;
    ({ sock } = open('ws://h/ws', { buffer: 5, onOpen: () => sock.close() }));
    sock.onStatus(s => statuses.push(s));
    sock.send({ n: 1 });
    const ws = FakeWebSocket.last();
    ws.open();
    expect(ws.sent).toEqual([]);
    expect(statuses).toEqual(['connecting', 'closed']);
  });
});

describe('the browser going offline', () => {
  it('drops the open socket at once: reconnecting, requests on it rejected, buffered sends kept for the next one', async () => {
    const win = new EventTarget();
    vi.stubGlobal('window', win);
    const closes: CloseEvent[] = [];
    const statuses: Status[] = [];
    const { sock, ws } = open('ws://h/ws', { buffer: 5, onClose: ev => closes.push(ev) });
    sock.onStatus(s => statuses.push(s));
    ws.open();
    const inFlight = sock.request('chat.send', { text: 'on the old socket' }, { timeout: 60000 });
    win.dispatchEvent(new Event('offline'));
    // The browser holds such a socket open but carries nothing on it; its
    // close event may come much later, or never: the client does not wait.
    expect(ws.closedWith).toBeDefined();
    expect(sock.status).toBe('reconnecting');
    expect(statuses.slice(-1)).toEqual(['reconnecting']);
    expect(closes.map(e => [e.code, e.reason])).toEqual([[1006, 'offline']]);
    expect((sock.error as CloseEvent).code).toBe(1006);
    expect((await inFlight.catch(e => e)).code).toBe('closed');
    expect(sock.send({ n: 1 })).toBe(true); // buffered, not written to the dropped socket
    expect(ws.sent.length).toBe(1);
    ws.drop(1006); // the late close event of the dropped socket changes nothing
    await flush();
    expect(closes.length).toBe(1);
    win.dispatchEvent(new Event('online'));
    expect(FakeWebSocket.instances.length).toBe(2);
    const next = FakeWebSocket.last();
    next.open();
    expect(frames(next)).toEqual([{ n: 1 }]);
    win.dispatchEvent(new Event('offline'));
    sock.close();
    expect(FakeWebSocket.instances.length).toBe(2);
  });
  it('leaves a socket closed by the application alone', () => {
    const win = new EventTarget();
    vi.stubGlobal('window', win);
    const { sock, ws } = open();
    ws.open();
    sock.close();
    win.dispatchEvent(new Event('offline'));
    expect(ws.closedWith).toEqual([1000, '']);
    expect(sock.status).toBe('closed');
  });
});

describe('resync', () => {
  it('forgets the topic\'s position and reconnects at once without it', async () => {
    const { sock, ws } = open('ws://h/chat?name=a');
    ws.open();
    ws.message('{"type":"pub","topic":"t","epoch":"E","offset":3,"data":"x"}');
    ws.message('{"type":"pub","topic":"u","epoch":"E","offset":7,"data":"y"}');
    sock.resync('t');
    expect(ws.closedWith?.[0]).toBe(1000);
    ws.drop(1000); // the browser reports the close the client asked for
    await flush();
    expect(FakeWebSocket.instances.length).toBe(2);
    const url = new URL(FakeWebSocket.last().url);
    expect(JSON.parse(url.searchParams.get('nexo_since')!)).toEqual({ u: { epoch: 'E', offset: 7 } });
    expect(sock.status).toBe('connecting');
  });
  it('keeps what is sent before the closing socket has closed for the next one', async () => {
    const { sock, ws } = open('ws://h/ws', { buffer: 5 });
    ws.open();
    sock.resync();
    expect(sock.send({ n: 1 })).toBe(true);
    expect(ws.sent).toEqual([]);
    ws.drop(1000);
    await flush();
    const next = FakeWebSocket.last();
    next.open();
    expect(frames(next)).toEqual([{ n: 1 }]);
  });
});
