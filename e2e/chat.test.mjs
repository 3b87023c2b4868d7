import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { build, freePort, start, stop, launch, artifacts } from './helpers.mjs';

let browser, server, binary, base, addr;

before(async () => {
  binary = build('chat');
  addr = `127.0.0.1:${await freePort()}`;
  base = `http://${addr}`;
  server = await start(binary, addr);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (server) await stop(server);
});

// phone is a 390-px wide touch screen.
const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

async function open(path, opts = {}) {
  const page = await browser.newPage(opts);
  page.on('pageerror', err => console.error('page error:', err));
  await page.goto(base + path);
  await page.waitForFunction(() => document.getElementById('status').textContent === 'open');
  return page;
}

const say = async (page, text) => {
  await page.fill('#text', text);
  await page.click('form button[type=submit]');
};
const sees = (page, text) => page.waitForFunction(t => [...document.querySelectorAll('#log li')].some(li => li.textContent.includes(t)), text, { timeout: 10000 });
const users = page => page.evaluate(() => window.nexoChat.users());

test('two pages in a room chat both ways; another room hears nothing; the server restarts under them', async () => {
  const ada = await open('/chat/lobby?name=ada');
  const bob = await open('/chat/lobby?name=bob', phone);
  const eve = await open('/chat/general?name=eve');

  await say(ada, 'hello from ada');
  await sees(bob, 'hello from ada');
  await say(bob, 'hi ada, bob here');
  await sees(ada, 'hi ada, bob here');

  await ada.waitForFunction(() => window.nexoChat.users().length === 2);
  assert.deepEqual(await users(ada), ['ada', 'bob']);
  assert.deepEqual(await users(bob), ['ada', 'bob']);
  assert.deepEqual(await users(eve), ['eve']);
  const eveLog = await eve.textContent('#log');
  assert.ok(!eveLog.includes('hello from ada') && !eveLog.includes('bob here'), 'general heard the lobby');

  // On the phone the user list is a strip under the header: tapping a name
  // writes to that user alone.
  assert.ok(await bob.isVisible('#users button:text-is("ada")'), 'no user list on the phone');
  await bob.tap('#users button:text-is("ada")');
  await say(bob, 'a word in private');
  await sees(ada, 'a word in private');
  await bob.tap('#to'); // back to the room
  assert.equal(await bob.isVisible('#to'), false);
  const width = await bob.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the phone page scrolls sideways: ${width}px`);

  await ada.screenshot({ path: join(artifacts, 'chat.png') });
  await bob.screenshot({ path: join(artifacts, 'chat-phone.png') });

  // Restart the server: the pages notice, reconnect by themselves and chat again.
  await stop(server);
  await ada.waitForFunction(() => document.getElementById('status').textContent !== 'open');
  server = await start(binary, addr);
  for (const p of [ada, bob]) {
    await p.waitForFunction(() => document.getElementById('status').textContent === 'open', null, { timeout: 30000 });
  }
  await say(bob, 'back after the restart');
  await sees(ada, 'back after the restart');
  await ada.waitForFunction(() => window.nexoChat.users().length === 2);
  assert.deepEqual(await users(ada), ['ada', 'bob']);
  await ada.screenshot({ path: join(artifacts, 'chat-after-restart.png') });
  await bob.screenshot({ path: join(artifacts, 'chat-phone-after-restart.png') });

  // Without ?name= (and nothing saved by an earlier visit) the page asks.
  const dan = await browser.newPage(phone);
  await dan.goto(base + '/chat/general');
  await dan.waitForSelector('#ask[open]');
  assert.equal(await dan.textContent('#status'), 'connecting');
  await dan.screenshot({ path: join(artifacts, 'chat-phone-name.png') });
  await dan.fill('#who', 'dan');
  await dan.press('#who', 'Enter');
  await dan.waitForFunction(() => document.getElementById('status').textContent === 'open');
  await dan.waitForFunction(() => window.nexoChat.users().length === 2);
  assert.deepEqual(await users(dan), ['dan', 'eve']);
  assert.equal(await dan.evaluate(() => localStorage.getItem('nexo-chat-name')), 'dan');
});
