import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { build, freePort, start, stop, launch } from './helpers.mjs';

// A page connected to a server that freezes (SIGSTOP: a paused VM, a
// process stuck in a long collection, a network that drops packets
// without a reset) gets no close and no error: without heartbeat
// messages the socket says open for good. The client asks for them and
// drops the connection once the server's window passes in silence.
let browser, server, page, addr;

before(async () => {
  addr = `127.0.0.1:${await freePort()}`;
  server = await start(build('e2e/eventserver'), addr, { NEXO_TEST_HEARTBEAT: '300ms' });
  browser = await launch();
  page = await browser.newPage();
  page.on('pageerror', err => console.error('page error:', err));
  await page.goto(`http://${addr}/`);
  await page.waitForFunction(() => window.ready === true);
});

after(async () => {
  await browser?.close();
  if (server) {
    server.kill('SIGCONT'); // a stopped process does not take SIGTERM
    await stop(server);
  }
});

test('a page whose server freezes says reconnecting within the heartbeat window, and is open again once the server runs', async () => {
  await page.evaluate(() => new Promise(resolve => {
    window.closes = [];
    window.statuses = [];
    window.sock = window.nexo.connect('/events', {
      backoff: { base: 100, cap: 500 },
      connectTimeout: 1000,
      onClose: ev => window.closes.push([ev.code, ev.reason]),
    });
    window.sock.onStatus(s => { window.statuses.push(s); if (s === 'open') resolve(); });
  }));
  server.kill('SIGSTOP');
  const frozeAt = Date.now();
  try {
    // The window is 600 ms (interval + timeout): well within 5 s.
    await page.waitForFunction(() => window.closes.some(([, reason]) => reason === 'heartbeat timeout'), null, { timeout: 5000 });
    const took = Date.now() - frozeAt;
    assert.ok(took < 5000, `noticed after ${took} ms`);
    assert.deepEqual(await page.evaluate(() => window.closes[0]), [1006, 'heartbeat timeout']);
    assert.notEqual(await page.evaluate(() => window.sock.status), 'open');
  } finally {
    server.kill('SIGCONT');
  }
  await page.waitForFunction(() => window.sock.status === 'open', null, { timeout: 15000 });
  // The heartbeat messages never reached the application.
  const seen = await page.evaluate(() => window.sock.lastMessage);
  assert.notEqual(seen?.type, 'nexo.heartbeat');
  await page.evaluate(() => window.sock.close());
});
