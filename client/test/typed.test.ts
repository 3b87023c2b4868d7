// typed() is the client's side of the contract generated from the Go
// handlers: a view of a socket whose calls go to the socket unchanged.
import { describe, it, expect, beforeEach } from 'vitest';
import { connect, typed } from '../src/nexo-client';
import { FakeWebSocket } from './fake';

interface CalcEvents {
  sum: { request: { a: number; b?: number }; reply: { total: number } };
  ping: { request: {}; reply: string };
}
interface CalcPushes {
  tick: { n: number };
}

beforeEach(() => { FakeWebSocket.instances = []; });

describe('typed', () => {
  it('sends requests and events through the socket and reads pushes', async () => {
    const sock = connect('ws://x/calc', { WebSocket: FakeWebSocket as never });
    const calc = typed<CalcEvents, CalcPushes>(sock);
    const ws = FakeWebSocket.last();
    ws.open();
    const ticks: number[] = [];
    calc.on('tick', d => ticks.push(d.n));
    const p = calc.request('sum', { a: 1 }, { timeout: 1000 });
    expect(JSON.parse(ws.sent[0] as string)).toEqual({ event: 'sum', data: { a: 1 }, ref: 1 });
    ws.message('{"type":"reply","ref":1,"data":{"total":1}}');
    const total: number = (await p).total;
    expect(total).toBe(1);
    expect(calc.emit('ping')).toBe(true);
    expect(JSON.parse(ws.sent[1] as string)).toEqual({ event: 'ping' });
    ws.message('{"event":"tick","data":{"n":5}}');
    expect(ticks).toEqual([5]);
    expect(calc.socket).toBe(sock);
    sock.close();
  });
});
