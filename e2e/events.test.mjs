import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { build, freePort, start, stop, launch } from './helpers.mjs';

// The browser client's typed event frames against a real
// channels.EventRouter (e2e/eventserver): emit, request and its replies,
// error replies, timeouts and pushes, in Chromium.
let browser, server, page, bin, addr;

before(async () => {
  addr = `127.0.0.1:${await freePort()}`;
  bin = build('e2e/eventserver');
  server = await start(bin, addr);
  browser = await launch();
  page = await browser.newPage();
  page.on('pageerror', err => console.error('page error:', err));
  await page.goto(`http://${addr}/`);
  await page.waitForFunction(() => window.ready === true);
  // One socket for the tests, with every push it gets recorded.
  await page.evaluate(() => new Promise(resolve => {
    window.pushes = [];
    window.sock = window.nexo.connect('/events');
    for (const e of ['welcome', 'pong']) window.sock.on(e, data => window.pushes.push([e, data]));
    window.sock.onStatus(s => s === 'open' && resolve());
  }));
});

after(async () => {
  await browser?.close();
  if (server) await stop(server);
});

// request runs sock.request in the page and returns its outcome.
const request = (event, data, opts) => page.evaluate(async ([event, data, opts]) => {
  try {
    return { data: await window.sock.request(event, data, opts) };
  } catch (e) {
    return { name: e.name, code: e.code, message: e.message, fields: e.fields ?? null };
  }
}, [event, data, opts]);

test('on() gets the push the server emits on connect', async () => {
  await page.waitForFunction(() => window.pushes.some(([e]) => e === 'welcome'));
  const [, data] = await page.evaluate(() => window.pushes.find(([e]) => e === 'welcome'));
  assert.match(data.id, /^[0-9a-f]+\.[0-9a-f-]{36}$/); // <instance>.<uuid> (nexo.App names its connections by instance)
});

test('request() resolves with the reply, several at once each with its own', async () => {
  assert.deepEqual(await request('sum', { a: 2, b: 3 }), { data: 5 });
  const many = await page.evaluate(() => Promise.all([1, 2, 3, 4, 5].map(i => window.sock.request('sum', { a: i, b: i }))));
  assert.deepEqual(many, [2, 4, 6, 8, 10]);
});

test('request() rejects with the server error: validation, unknown event, a UserError, a hidden internal error', async () => {
  const invalid = await request('sum', { a: 1, b: -1 });
  assert.equal(invalid.name, 'RequestError');
  assert.equal(invalid.code, 'validation');
  assert.ok(invalid.fields?.b, `fields ${JSON.stringify(invalid.fields)}`);
  const badJSON = await request('sum', 'not an object');
  assert.equal(badJSON.code, 'invalid_json');
  assert.equal((await request('nope', {})).code, 'unknown_event');
  assert.deepEqual(await request('refuse'), { name: 'RequestError', code: 'handler', message: 'not today', fields: { day: 'closed' } });
  const broken = await request('break');
  assert.equal(broken.code, 'handler');
  assert.equal(broken.message, 'internal error');
});

test('request() times out, and the late reply is dropped without harm', async () => {
  const late = await request('wait', { ms: 600 }, { timeout: 100 });
  assert.equal(late.code, 'timeout');
  // The socket carries on: the next request gets its own reply, not the late one.
  assert.deepEqual(await request('sum', { a: 40, b: 2 }), { data: 42 });
  assert.deepEqual(await request('wait', { ms: 0 }), { data: 'waited' });
});

test('emit() sends an event without a ref; its push comes back through on()', async () => {
  const sent = await page.evaluate(() => window.sock.emit('ping', { n: 7 }));
  assert.equal(sent, true);
  await page.waitForFunction(() => window.pushes.some(([e, d]) => e === 'pong' && d.n === 7));
  assert.deepEqual(await request('ping', { n: 8 }), { data: 'sent' });
  await page.waitForFunction(() => window.pushes.some(([e, d]) => e === 'pong' && d.n === 8));
});

test('a request while closed is rejected at once with code "closed"', async () => {
  const res = await page.evaluate(async () => {
    window.sock.close();
    try { await window.sock.request('sum', { a: 1, b: 1 }); return 'resolved'; } catch (e) { return e.code; }
  });
  assert.equal(res, 'closed');
});

// The close-code contract, the server's side and the client's in one: a
// socket per code, each refused by the server with that code at every
// handshake. Retrying codes are counted while they go on; the client must
// never come back after a stopping code.
test('the client obeys the close codes the server sends: 1000, 1008 and 4403 stop; 1011, 1013 and 1001 retry; 4401 asks onUnauthorized', async () => {
  const base = new URL(page.url()).origin;
  const attempts = async code => Number(await (await fetch(`${base}/attempts/${code}`)).text());
  await page.evaluate(() => {
    window.socks = {};
    const opts = { backoff: { base: 20, cap: 50 }, retryAfter: 50 };
    for (const code of [1000, 1008, 4403, 1011, 1013, 1001]) {
      window.socks[code] = window.nexo.connect(`/close/${code}`, opts);
    }
    // 4401: the hook sends the client to the event route, where it stays.
    window.reauthed = 0;
    window.socks[4401] = window.nexo.connect('/close/4401', {
      ...opts,
      onUnauthorized: () => { window.reauthed++; return { url: '/events' }; },
    });
  });
  // Retrying codes come back again and again, past several backoff delays.
  for (const code of [1011, 1013, 1001]) {
    for (const deadline = Date.now() + 15000; (await attempts(code)) < 4;) {
      assert.ok(Date.now() < deadline, `${code}: only ${await attempts(code)} attempts`);
      await page.waitForTimeout(50);
    }
  }
  await page.waitForFunction(() => window.socks[4401].status === 'open');
  const state = await page.evaluate(() => Object.fromEntries(Object.entries(window.socks).map(([k, s]) => [k, { status: s.status, code: s.error?.code ?? null }])));
  for (const code of [1000, 1008, 4403]) {
    assert.equal(await attempts(code), 1, `${code} was retried`);
    assert.equal(state[code].status, 'closed');
  }
  assert.equal(state[4403].code, 4403);
  assert.equal(state[1008].code, 1008);
  assert.equal(state[1000].code, null, 'a normal close is no error');
  assert.equal(await attempts(4401), 1);
  assert.equal(await page.evaluate(() => window.reauthed), 1);
  await page.evaluate(() => Object.values(window.socks).forEach(s => s.close()));
});

// docs/security.md: with FirstMessageAuth the client sends the token in
// onOpen. What the page sent while the server was away waits in the
// buffer and must go after the token, not be taken for it.
test('first-message auth across a server restart: the token goes first, then what was sent while the server was away', async () => {
  await page.evaluate(() => new Promise(resolve => {
    window.echoes = [];
    window.first = window.nexo.connect('/first', {
      buffer: 10,
      backoff: { base: 50, cap: 200 },
      onOpen: () => window.first.send({ token: 'secret' }),
    });
    window.first.onMessage(m => window.echoes.push(m));
    window.first.onStatus(s => s === 'open' && resolve());
  }));
  await page.evaluate(() => window.first.send({ text: 'before the restart' }));
  await page.waitForFunction(() => window.echoes.length === 1);
  await stop(server, 'SIGKILL');
  await page.waitForFunction(() => window.first.status === 'reconnecting');
  assert.equal(await page.evaluate(() => window.first.send({ text: 'while the server was away' })), true);
  server = await start(bin, addr);
  await page.waitForFunction(() => window.echoes.length === 2 || window.first.status === 'closed', null, { timeout: 15000 });
  const { status, code, echoes } = await page.evaluate(() => ({ status: window.first.status, code: window.first.error?.code ?? null, echoes: window.echoes }));
  assert.deepEqual(echoes, [
    { user: 'ada', echo: { text: 'before the restart' } },
    { user: 'ada', echo: { text: 'while the server was away' } },
  ], `status ${status}, close code ${code}`);
  assert.equal(status, 'open');
  await page.evaluate(() => window.first.close());
});

// resync() closes the socket to reconnect as a newcomer; until its close
// event the socket is closing, and the browser drops what is sent on it.
test('a send right after resync() waits in the buffer and goes out once, on the next connection', async () => {
  await page.evaluate(() => new Promise(resolve => {
    window.pongs = [];
    window.rs = window.nexo.connect('/events', { buffer: 5 });
    window.rs.on('pong', d => window.pongs.push(d.n));
    window.rs.onStatus(s => s === 'open' && resolve());
  }));
  const sent = await page.evaluate(() => { window.rs.resync(); return window.rs.emit('ping', { n: 1 }); });
  assert.equal(sent, true);
  await page.waitForFunction(() => window.pongs.length === 1, null, { timeout: 5000 })
    .catch(async () => { throw new Error(`the send was lost: pongs ${JSON.stringify(await page.evaluate(() => window.pongs))}, status ${await page.evaluate(() => window.rs.status)}`); });
  await page.evaluate(() => window.rs.emit('ping', { n: 2 }));
  await page.waitForFunction(() => window.pongs.length === 2);
  assert.deepEqual(await page.evaluate(() => window.pongs), [1, 2]);
  await page.evaluate(() => window.rs.close());
});
