import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, artifacts } from './helpers.mjs';
import { proxy } from './proxy.mjs';
import { chatServer, openChat, isOpen, say, sees, messages, systemLines } from './chatpage.mjs';

// What a person sees when the chat fails: the server killed and back, text
// typed while offline, a recipient who leaves, a graceful restart, a
// phone screen. Each test runs its own chat process (the in-memory
// broker: a kill -9 loses the rooms' history).
let browser;
const servers = [];

before(async () => { browser = await launch(); });
after(async () => {
  await browser?.close();
  for (const s of servers) await s.stop();
});

async function server() {
  const s = await chatServer();
  servers.push(s);
  return s;
}
// adaAndBob starts a server and opens ada and bob in a new room on it.
async function adaAndBob(prefix) {
  const s = await server();
  const room = `/chat/${prefix}${Date.now()}`;
  const ada = await openChat(browser, `${s.base}${room}?name=ada`);
  const bob = await openChat(browser, `${s.base}${room}?name=bob`);
  await ada.waitForFunction(() => window.nexoChat.users().length === 2);
  return { s, ada, bob };
}
const shot = (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`) });

// backAfter kills the server, waits outage ms, starts it again and
// resolves to how long the page took from the server listening to open.
async function backAfter(s, page, outage, name) {
  await s.kill();
  await page.waitForFunction(() => /^reconnecting in \d+ s$/.test(document.getElementById('status').textContent));
  assert.ok(await page.isVisible('#retry'), 'no way to retry now');
  await shot(page, name);
  const seen = await page.evaluate(ms => new Promise(resolve => {
    // Every pill text during the outage.
    const texts = new Set();
    const el = document.getElementById('status');
    const obs = new MutationObserver(() => texts.add(el.textContent.replace(/\d+/, 'N')));
    obs.observe(el, { childList: true, characterData: true, subtree: true });
    setTimeout(() => { obs.disconnect(); resolve([...texts]); }, ms);
  }), outage);
  assert.ok(!seen.includes('closed'), `the pill read "closed" while retrying: ${seen}`);
  const back = await s.start();
  await isOpen(page);
  const opened = await page.evaluate(() => window.nexoChat.openedAt);
  return opened - back;
}

test('after a 4 s and a 35 s outage the page says it is reconnecting and is back within 6 s of the server', async () => {
  const s = await server();
  const ada = await openChat(browser, `${s.base}/chat/outage?name=ada`);
  const short = await backAfter(s, ada, 4000, 'chat-reconnecting');
  const long = await backAfter(s, ada, 35000, 'chat-reconnecting-long');
  console.log(`server back → connected: ${short} ms after a 4 s outage, ${long} ms after a 35 s outage`);
  assert.ok(short <= 6000, `${short} ms after a 4 s outage`);
  assert.ok(long <= 6000, `${long} ms after a 35 s outage`);
  // Retry now: skips the wait. The page's own attempt must still be
  // ahead when the server is back, or it reconnects by itself and hides
  // the button: a server slow to start (a loaded machine) is tried again.
  for (let round = 1; ; round++) {
    await s.kill();
    await ada.waitForFunction(() => {
      const k = window.nexoChat.sock;
      return /^reconnecting in/.test(document.getElementById('status').textContent) && k.retryAt - Date.now() > 2500;
    }, null, { timeout: 30000, polling: 100 });
    await s.start();
    const planned = await ada.evaluate(() => window.nexoChat.sock.retryAt);
    if (!(await ada.isVisible('#retry')) || Date.now() > planned - 500) {
      assert.ok(round < 3, 'the server took longer to start than the page waits, three times');
      await isOpen(ada);
      continue;
    }
    const t = Date.now();
    await ada.click('#retry');
    await isOpen(ada, 3000);
    const opened = await ada.evaluate(() => window.nexoChat.openedAt);
    assert.ok(opened < planned, `connected ${opened - planned} ms after the planned attempt: Retry now did not skip the wait`);
    console.log(`retry now → connected: ${Date.now() - t} ms`);
    break;
  }
});

test('when the browser is back online the page retries at once, not at its next backoff', async () => {
  const s = await server();
  const page = await openChat(browser, `${s.base}/chat/online?name=ada`);
  await s.kill();
  await page.context().setOffline(true);
  // Wait for an attempt planned at least 2 s ahead (failures raise the backoff).
  await page.waitForFunction(() => { const k = window.nexoChat.sock; return k.status === 'reconnecting' && k.retryAt - Date.now() > 2000; }, null, { timeout: 30000 });
  await s.start();
  const planned = await page.evaluate(() => window.nexoChat.sock.retryAt);
  await page.context().setOffline(false);
  await isOpen(page, 10000);
  const opened = await page.evaluate(() => window.nexoChat.openedAt);
  assert.ok(opened < planned - 1000, `connected at ${opened - planned} ms from the planned attempt`);
});

// The browser knows when its network is gone: a socket it holds then
// carries nothing (Chromium holds its frames), so the page must not go
// on saying "open" and showing what is typed as "sending…".
test('when the browser goes offline the page says it is reconnecting, keeps what is typed, and sends it once when back online', async () => {
  const { ada, bob } = await adaAndBob('wentoffline');
  await ada.context().setOffline(true);
  await ada.waitForFunction(() => /^reconnecting/.test(document.getElementById('status').textContent), null, { timeout: 5000 })
    .catch(async () => { throw new Error(`offline for 5 s, the pill still reads "${await ada.textContent('#status')}"`); });
  await say(ada, 'typed offline');
  await ada.waitForSelector('#outbox li.pending:has-text("waiting for the connection")', { timeout: 5000 });
  await sees(ada, 'Connection lost.');
  await shot(ada, 'chat-browser-offline');
  await ada.context().setOffline(false);
  await isOpen(ada, 10000);
  await sees(bob, 'typed offline');
  await ada.waitForFunction(() => document.querySelectorAll('#outbox li').length === 0);
  await say(bob, 'after');
  for (const p of [ada, bob]) await sees(p, 'after');
  for (const p of [ada, bob]) assert.deepEqual(await messages(p), ['typed offline', 'after']);
});

test('three pages, kill -9 mid-conversation, two come back late: every page ends with the server\'s log', async () => {
  const s = await server();
  const net = await proxy(s.base.slice('http://'.length));
  try {
    const room = `/chat/kill${Date.now()}`;
    // ada talks to the server directly, bob and cat through a network
    // that stays cut until ada has posted after the restart.
    const pages = [await openChat(browser, `${s.base}${room}?name=ada`)];
    for (const name of ['bob', 'cat']) pages.push(await openChat(browser, `http://${net.addr}${room}?name=${name}`));
    const before = [];
    for (const [i, p] of pages.entries()) {
      const text = `before ${i}`;
      await say(p, text);
      before.push(text);
      for (const q of pages) await sees(q, text);
    }
    await s.kill();
    net.cut();
    for (const p of pages) await p.waitForFunction(() => document.getElementById('status').textContent !== 'open');
    await s.start();
    await isOpen(pages[0]);
    await say(pages[0], 'ada after the restart');
    await sees(pages[0], 'ada after the restart');
    net.restore();
    for (const p of pages) await isOpen(p);
    await say(pages[2], 'cat after the restart');
    for (const p of pages) {
      for (const t of ['ada after the restart', 'cat after the restart']) {
        await sees(p, t).catch(async e => { await shot(p, 'chat-kill-missing'); throw e; });
      }
    }
    // A newcomer gets the server's history.
    const dan = await openChat(browser, `${s.base}${room}?name=dan`);
    await sees(dan, 'cat after the restart');
    const history = await messages(dan);
    assert.deepEqual(history, ['ada after the restart', 'cat after the restart']);
    for (const [i, p] of pages.entries()) assert.deepEqual(await messages(p), [...before, ...history], `page ${i}`);
    await shot(pages[1], 'chat-after-kill');
  } finally {
    await net.close();
  }
});

test('text typed while the server is down is shown as pending, then sent, none dropped', async () => {
  const { s, ada, bob } = await adaAndBob('offline');
  await s.kill();
  await bob.waitForFunction(() => document.getElementById('status').textContent !== 'open');
  const offline = Array.from({ length: 22 }, (_, i) => `offline bob ${i}`);
  for (const t of offline) await say(bob, t);
  assert.equal(await bob.locator('#outbox li.pending').count(), 22, 'bob\'s unsent messages are not shown');
  await shot(bob, 'chat-offline-pending');
  await s.start();
  for (const p of [ada, bob]) await sees(p, offline.at(-1), 20000);
  await bob.waitForFunction(() => document.querySelectorAll('#outbox li').length === 0);
  for (const p of [ada, bob]) assert.deepEqual(await messages(p), offline);
});

test('a private chip whose recipient left: the message fails with its text kept, a retry and an edit, then the chip clears', async () => {
  const { s, ada, bob } = await adaAndBob('private');
  await ada.click('#users button:text-is("bob")');
  assert.ok(await ada.isVisible('#to'));
  await bob.close();
  // The server has dropped bob: a private message to him now fails.
  await ada.waitForSelector('#users button.away:text-is("bob")');
  await say(ada, 'are you there, bob?');
  await ada.waitForSelector('#outbox li.failed:has-text("are you there, bob?") button:text-is("Retry")');
  await shot(ada, 'chat-private-failed');
  // Then the chip goes, and text being typed stays.
  await ada.fill('#text', 'half a thought');
  await ada.waitForFunction(() => document.getElementById('to').hidden, null, { timeout: 15000 });
  assert.equal(await ada.inputValue('#text'), 'half a thought');
  await sees(ada, 'bob left');
  // Edit puts the text back in the input, to send to the room.
  await ada.fill('#text', '');
  await ada.click('#outbox li.failed button:text-is("Edit")');
  assert.equal(await ada.inputValue('#text'), 'are you there, bob?');
  assert.equal(await ada.locator('#outbox li').count(), 0);
  await ada.click('form button[type=submit]');
  await sees(ada, 'are you there, bob?');
});

test('a graceful restart posts no left/joined lines and keeps the user list', async () => {
  const { s, ada, bob } = await adaAndBob('graceful');
  const lines = await systemLines(ada);
  await ada.evaluate(() => {
    window.sizes = [];
    new MutationObserver(() => window.sizes.push(document.querySelectorAll('#users li').length))
      .observe(document.getElementById('users'), { childList: true });
  });
  await s.stop();
  await s.start();
  await isOpen(ada);
  await isOpen(bob);
  await say(bob, 'still here');
  await sees(ada, 'still here');
  // Longer than the page waits for someone to come back.
  await ada.waitForTimeout(6000);
  const added = (await systemLines(ada)).slice(lines.length).filter(l => / (left|joined)$/.test(l));
  assert.deepEqual(added, [], 'spurious presence lines');
  assert.deepEqual(await ada.evaluate(() => window.nexoChat.users()), ['ada', 'bob']);
  assert.ok(!(await ada.evaluate(() => window.sizes)).some(n => n < 2), 'the user list emptied');
});

test('on a phone: long words wrap, reading older messages is not interrupted, focus is visible, times are shown', async () => {
  const s = await server();
  const room = `/chat/phone${Date.now()}`;
  const phone = { viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
  const ada = await openChat(browser, `${s.base}${room}?name=ada`, phone);
  const bob = await openChat(browser, `${s.base}${room}?name=bob`);
  await say(bob, 'x'.repeat(300));
  await sees(ada, 'xxxxxxxx');
  const width = await ada.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `the phone page scrolls sideways: ${width}px`);
  // Timestamps are visible.
  const time = await ada.textContent('#log li:not(.system) time');
  assert.match(time ?? '', /^\d{1,2}:\d{2}/);
  for (let i = 0; i < 40; i++) await say(bob, `line ${i}`);
  await sees(ada, 'line 39');
  const atBottom = await ada.evaluate(() => { const el = window.nexoChat.scroller(); return el.scrollHeight - el.scrollTop - el.clientHeight < 4; });
  assert.ok(atBottom, 'the log does not follow new messages at the bottom');
  await ada.evaluate(() => { window.nexoChat.scroller().scrollTop = 0; });
  await say(bob, 'while ada reads');
  await sees(ada, 'while ada reads');
  assert.equal(await ada.evaluate(() => window.nexoChat.scroller().scrollTop), 0, 'the log jumped while reading');
  await ada.waitForSelector('#more:not([hidden])');
  await shot(ada, 'chat-phone-reading');
  await ada.tap('#more');
  await ada.waitForFunction(() => { const el = window.nexoChat.scroller(); return el.scrollHeight - el.scrollTop - el.clientHeight < 4; });
  // Keyboard focus on a user button is visible.
  await ada.focus('#text');
  await ada.keyboard.press('Shift+Tab');
  const ring = await ada.evaluate(() => { const el = document.activeElement, cs = getComputedStyle(el); return `${el.closest('#users') ? 'user' : el.tagName} ${cs.outlineStyle} ${cs.outlineWidth}`; });
  assert.match(ring, /^user solid [1-9]/, 'no focus ring on a user button');
  await shot(ada, 'chat-phone-375');
});
