import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { build, freePort, start, stop, launch, artifacts } from './helpers.mjs';
import { proxy } from './proxy.mjs';

// Page A reaches the chat server through a proxy that can cut its network;
// page B talks to the server directly.
let browser, server, net, direct, viaProxy;

before(async () => {
  const addr = `127.0.0.1:${await freePort()}`;
  server = await start(build('chat'), addr);
  net = await proxy(addr);
  direct = `http://${addr}`;
  viaProxy = `http://${net.addr}`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await net?.close();
  if (server) await stop(server);
});

async function open(url) {
  const page = await browser.newPage();
  page.on('pageerror', err => console.error('page error:', err));
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('status').textContent === 'open');
  return page;
}
const say = async (page, text) => { await page.fill('#text', text); await page.click('form button[type=submit]'); };
// messages returns the texts of the chat lines of a page, in order (system
// lines and errors left out).
const messages = page => page.$$eval('#log li:not(.system):not(.err)', lis => lis.map(li => li.lastChild.textContent));
const seesAll = (page, n) => page.waitForFunction(n => document.querySelectorAll('#log li:not(.system):not(.err)').length >= n, n, { timeout: 30000 });
const sees = (page, text) => page.waitForFunction(t => [...document.querySelectorAll('#log li')].some(li => li.textContent.includes(t)), text, { timeout: 10000 });

test('a page whose network is cut while another posts shows every message once, in order, after it reconnects', async () => {
  const ada = await open(`${viaProxy}/chat/lobby?name=ada`);
  const bob = await open(`${direct}/chat/lobby?name=bob`);
  await ada.waitForFunction(() => window.nexoChat.users().length === 2);
  await say(bob, 'before the cut');
  await sees(ada, 'before the cut');
  await ada.evaluate(() => { window.notReloaded = true; });

  net.cut();
  await ada.waitForFunction(() => document.getElementById('status').textContent !== 'open');
  await sees(bob, 'ada left'); // the server saw the connection drop
  const away = Array.from({ length: 8 }, (_, i) => `while ada was away ${i + 1}`);
  for (const text of away) await say(bob, text);
  await sees(bob, away.at(-1));

  net.restore();
  await ada.waitForFunction(() => document.getElementById('status').textContent === 'open', null, { timeout: 30000 });
  const want = ['before the cut', ...away];
  await seesAll(ada, want.length);
  await say(bob, 'live again');
  await sees(ada, 'live again');

  assert.deepEqual(await messages(ada), [...want, 'live again']);
  assert.deepEqual(await messages(bob), [...want, 'live again']);
  assert.equal(await ada.evaluate(() => window.notReloaded), true, 'page A was reloaded');
  const pos = await ada.evaluate(() => window.nexoChat.positions());
  assert.equal(pos['chat:lobby'].offset, want.length + 1);
  const log = await ada.textContent('#log');
  assert.ok(log.includes('Reconnected.') && !log.includes('may be missing'), `log: ${log}`);
  await ada.screenshot({ path: join(artifacts, 'chat-recovered.png') });
});
