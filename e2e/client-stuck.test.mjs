// The browser client against a server that accepts the TCP connection and
// never answers the WebSocket upgrade (a frozen process, a stalled proxy
// backend): Chromium keeps such an attempt CONNECTING for minutes, so the
// client must give it up itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { build, freePort, start, stop, launch } from './helpers.mjs';

let browser, server, base, silent, accepted = 0;
const held = new Set();

before(async () => {
  const addr = `127.0.0.1:${await freePort()}`;
  base = `http://${addr}`;
  server = await start(build('dashboard'), addr); // serves /nexo/client.js
  // Accepts, reads, never answers.
  silent = createServer(sock => {
    accepted++;
    held.add(sock);
    sock.on('error', () => {});
    sock.on('close', () => held.delete(sock));
  });
  await new Promise(resolve => silent.listen(0, '127.0.0.1', resolve));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  for (const s of held) s.destroy();
  silent?.close();
  if (server) await stop(server);
});

// page opens a page of the dashboard's origin whose window.sock is a
// client connected to the silent listener with options.
async function page(options) {
  const p = await browser.newPage();
  p.on('pageerror', err => console.error('page error:', err));
  await p.goto(base + '/nexo/client.js');
  await p.evaluate(async ([port, options]) => {
    const { connect } = await import('/nexo/client.js');
    window.closes = [];
    window.statuses = [];
    window.sock = connect(`ws://127.0.0.1:${port}/ws`, { ...options, onClose: e => window.closes.push([e.code, e.reason]) });
    window.sock.onStatus(s => window.statuses.push(s));
  }, [silent.address().port, options]);
  return p;
}
const acceptedOver = (n, timeout) => new Promise((resolve, reject) => {
  const deadline = Date.now() + timeout;
  const poll = () => {
    if (accepted > n) return resolve();
    if (Date.now() > deadline) return reject(new Error(`the listener accepted ${accepted} connections, want more than ${n}`));
    setTimeout(poll, 50);
  };
  poll();
});

test('an attempt the server never answers is given up after 10 s, reported as 1006 and retried', async () => {
  const p = await page({});
  const t0 = Date.now();
  await p.waitForFunction(() => window.sock.status === 'reconnecting', null, { timeout: 20000, polling: 100 })
    .catch(async () => { throw new Error(`still "${await p.evaluate(() => window.sock.status)}" after ${Date.now() - t0} ms`); });
  const took = Date.now() - t0;
  console.log(`given up after ${took} ms`);
  assert.ok(took >= 9000 && took < 15000, `given up after ${took} ms, want about 10 s`);
  assert.deepEqual(await p.evaluate(() => window.closes), [[1006, 'connect timeout']]);
  // The retry after the backoff: a new attempt. (Counted in the page, not
  // at the listener: Chromium may hold a new connection to an endpoint
  // while an earlier one to it is still pending there.)
  await p.waitForFunction(() => window.statuses.lastIndexOf('connecting') > window.statuses.indexOf('reconnecting'), null, { timeout: 10000, polling: 100 });
  await p.close();
});

test('reconnectNow() while connecting starts a fresh attempt at once', async () => {
  const before = accepted;
  const p = await page({ connectTimeout: 60000 });
  await acceptedOver(before, 5000);
  const n = accepted;
  await p.evaluate(() => window.sock.reconnectNow());
  await acceptedOver(n, 3000);
  assert.equal(await p.evaluate(() => window.sock.status), 'connecting');
  assert.deepEqual(await p.evaluate(() => window.closes.map(c => c[0])), [1006]);
  await p.close();
});
