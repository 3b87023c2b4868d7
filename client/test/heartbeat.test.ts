// Heartbeat messages: a page never sees WebSocket pings, so the client asks
// the server for heartbeat messages and drops a connection on which nothing
// has arrived within the window the server announces (a frozen server, a
// network that dropped the connection without a word).
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { connect, type Options } from '../src/nexo-client';
import { FakeWebSocket } from './fake';

const WS = FakeWebSocket as unknown as Options['WebSocket'];
const beat = (within: number) => JSON.stringify({ type: 'nexo.heartbeat', within });

beforeEach(() => { FakeWebSocket.instances = []; vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }); });
afterEach(() => { vi.useRealTimers(); });

const opened = (opts: Options = {}) => {
  const closes: CloseEvent[] = [];
  const seen: unknown[] = [];
  const sock = connect('ws://h/ws?room=a#x', { WebSocket: WS, random: () => 0.5, onClose: ev => closes.push(ev), onMessage: d => seen.push(d), ...opts });
  const ws = FakeWebSocket.last();
  ws.open();
  return { sock, ws, closes, seen };
};

describe('heartbeat messages', () => {
  it('are asked for in the URL, before its fragment', () => {
    const { ws } = opened();
    const url = new URL(ws.url);
    expect(url.searchParams.get('nexo_heartbeat')).toBe('1');
    expect(url.searchParams.get('room')).toBe('a');
    expect(url.hash).toBe('#x');
  });
  it('are taken out of the stream: the application never sees them', () => {
    const { ws, seen } = opened();
    ws.message(beat(1000));
    ws.message('"app"');
    expect(seen).toEqual(['app']);
  });
  it('drop a connection silent past the announced window, as a 1006 "heartbeat timeout", and retry', () => {
    const { sock, ws, closes } = opened();
    ws.message(beat(1000));
    vi.advanceTimersByTime(999);
    expect(sock.status).toBe('open');
    vi.advanceTimersByTime(1);
    expect(ws.closedWith).toBeDefined();
    expect(ws.onmessage).toBeNull(); // a late message of the dropped socket changes nothing
    expect(closes.map(e => [e.code, e.reason])).toEqual([[1006, 'heartbeat timeout']]);
    expect(sock.status).toBe('reconnecting');
    vi.advanceTimersByTime(sock.retryAt! - Date.now());
    expect(FakeWebSocket.instances.length).toBe(2);
  });
  it('count any message as a sign of life', () => {
    const { sock, ws } = opened();
    ws.message(beat(1000));
    vi.advanceTimersByTime(800);
    ws.message('"data"');
    vi.advanceTimersByTime(900); // 1.7 s after the beat, 0.9 s after the data
    expect(sock.status).toBe('open');
    vi.advanceTimersByTime(100);
    expect(sock.status).toBe('reconnecting');
  });
  it('are not waited for from a server that sends none, nor on a new connection before its first', () => {
    const { sock, ws } = opened();
    vi.advanceTimersByTime(3600000);
    expect(sock.status).toBe('open');
    ws.message(beat(1000));
    ws.drop(1012);
    vi.advanceTimersByTime(sock.retryAt! - Date.now());
    const next = FakeWebSocket.last();
    next.open();
    vi.advanceTimersByTime(3600000); // the old window does not apply to the new connection
    expect(sock.status).toBe('open');
  });
  it('are not asked for with heartbeat: false', () => {
    const { ws } = opened({ heartbeat: false });
    expect(new URL(ws.url).searchParams.has('nexo_heartbeat')).toBe(false);
  });
  it('stop with close()', () => {
    const { sock, ws } = opened();
    ws.message(beat(1000));
    sock.close();
    vi.advanceTimersByTime(5000);
    expect(sock.status).toBe('closed');
    expect(FakeWebSocket.instances.length).toBe(1);
  });
});
