import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import { once } from 'node:events';
import { proxy } from './proxy.mjs';

// An echo server that reports each connection it accepts and each it loses.
async function echo() {
  const events = [];
  let lost;
  const closed = new Promise(r => { lost = r; });
  const server = createServer(s => {
    events.push('accept');
    s.on('error', () => {});
    s.on('close', () => { events.push('close'); lost(); });
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, events, closed, addr: `127.0.0.1:${server.address().port}` };
}

// dial connects to addr and resolves to the socket and a promise of its end.
function dial(addr) {
  const [host, port] = addr.split(':');
  const s = connect(Number(port), host);
  s.on('error', () => {});
  return { s, ended: new Promise(r => s.on('close', r)) };
}

test('the proxy forwards, cut drops live connections at both ends and refuses new ones, restore lets them through', async () => {
  const up = await echo();
  const p = await proxy(up.addr);
  const a = dial(p.addr);
  a.s.write('ping');
  const [got] = await once(a.s, 'data');
  assert.equal(got.toString(), 'ping');
  assert.equal(p.live(), 1);

  p.cut();
  await a.ended;
  await up.closed; // the server saw its connection drop
  assert.deepEqual(up.events, ['accept', 'close']);

  const b = dial(p.addr);
  await b.ended; // turned away
  assert.deepEqual(up.events, ['accept', 'close'], 'a refused connection reached the server');

  p.restore();
  const c = dial(p.addr);
  c.s.write('again');
  const [back] = await once(c.s, 'data');
  assert.equal(back.toString(), 'again');
  c.s.destroy();
  await p.close();
  up.server.close();
});
