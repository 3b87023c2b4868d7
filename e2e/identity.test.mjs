import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { build, freePort, start, stop, launch, artifacts } from './helpers.mjs';

// Who is who in the chat: the README's "open it in two windows" gives two
// people, a name is unique in a room, Escape in the name dialog can be
// undone by a rename, and a private message reaches only its recipient.
let browser, server, binary, addr, base;

before(async () => {
  addr = `127.0.0.1:${await freePort()}`;
  base = `http://${addr}`;
  binary = build('chat');
  server = await start(binary, addr);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (server) await stop(server);
});

const isOpen = page => page.waitForFunction(() => document.getElementById('status').textContent === 'open');
const users = page => page.evaluate(() => window.nexoChat.users());
const me = page => page.textContent('#users button.you');
const say = async (page, text) => { await page.fill('#text', text); await page.click('form button[type=submit]'); };
const sees = (page, text) => page.waitForFunction(t => [...document.querySelectorAll('#log li')].some(li => li.textContent.includes(t)), text, { timeout: 10000 });
const hasLine = (page, text) => page.evaluate(t => [...document.querySelectorAll('#log li')].some(li => li.textContent.includes(t)), text);

// opens path in ctx and answers the name dialog with name (Enter), or
// Escape when name is null.
async function enter(ctx, path, name) {
  const page = await ctx.newPage();
  page.on('pageerror', err => console.error('page error:', err));
  await page.goto(base + path);
  await page.waitForSelector('#ask[open]');
  if (name === null) await page.keyboard.press('Escape');
  else {
    if (name !== undefined) await page.fill('#who', name);
    await page.press('#who', 'Enter');
  }
  await isOpen(page);
  return page;
}

test('two windows of one browser are two people, each named once in the room; private messages reach one of them', async () => {
  const ctx = await browser.newContext();
  const first = await enter(ctx, '/chat/lobby', 'ada');
  // The second window asks too, offering the name used last; keeping it
  // makes a second person, "ada (2)".
  const second = await enter(ctx, '/chat/lobby');
  assert.equal(await second.inputValue('#who'), 'ada');
  await first.waitForFunction(() => window.nexoChat.users().length === 2);
  assert.deepEqual(await users(first), ['ada', 'ada (2)']);
  assert.deepEqual(await users(second), ['ada', 'ada (2)']);
  assert.equal(await me(first), 'ada (you)');
  assert.equal(await me(second), 'ada (2) (you)');

  // The first window's message is the other's, not "mine", in the second.
  await say(first, 'from the first window');
  await sees(second, 'from the first window');
  const mine = await second.$$eval('#log li.me', lis => lis.map(li => li.textContent));
  assert.deepEqual(mine, [], 'the other window\'s message shows as my own');

  // bob writes privately to "ada (2)": only the second window sees it.
  const bob = await (await browser.newContext()).newPage();
  await bob.goto(base + '/chat/lobby?name=bob');
  await isOpen(bob);
  await bob.click('#users button:text-is("ada (2)")');
  await say(bob, 'for the second ada only');
  await sees(second, 'for the second ada only');
  await bob.click('#users button:text-is("ada")');
  await say(bob, 'for the first ada only');
  await sees(first, 'for the first ada only');
  await sees(bob, 'for the first ada only');
  assert.equal(await hasLine(first, 'for the second ada only'), false, 'the first ada got the second\'s private message');
  assert.equal(await hasLine(second, 'for the first ada only'), false, 'the second ada got the first\'s private message');
  await first.screenshot({ path: join(artifacts, 'identity-first.png') });
  await second.screenshot({ path: join(artifacts, 'identity-second.png') });
  await bob.screenshot({ path: join(artifacts, 'identity-bob.png') });
  await ctx.close();
  await bob.context().close();
});

test('Escape in the name dialog joins as guest, and a rename then works; a taken name is disambiguated', async () => {
  const ctx = await browser.newContext();
  const eve = await (await browser.newContext()).newPage();
  await eve.goto(base + '/chat/general?name=eve');
  await isOpen(eve);
  const page = await enter(ctx, '/chat/general', null);
  assert.equal(await me(page), 'guest (you)');
  await eve.waitForFunction(() => window.nexoChat.users().includes('guest'));

  // The header names you; clicking it renames.
  await page.click('#me');
  await page.waitForSelector('#ask[open]');
  await page.fill('#who', 'cat');
  await page.screenshot({ path: join(artifacts, 'identity-rename-dialog.png') });
  await page.press('#who', 'Enter');
  await page.waitForFunction(() => window.nexoChat.users().includes('cat'));
  assert.equal(await me(page), 'cat (you)');
  assert.equal(await page.textContent('#me'), 'cat');
  await eve.waitForFunction(() => window.nexoChat.users().join() === 'cat,eve');
  await sees(eve, 'guest is now cat');
  await say(page, 'cat here');
  await sees(eve, 'cat here');

  // Renaming to a name in use gives "eve (2)"; Escape in the dialog then
  // changes nothing.
  await page.click('#me');
  await page.fill('#who', 'eve');
  await page.press('#who', 'Enter');
  await page.waitForFunction(() => window.nexoChat.users().includes('eve (2)'));
  assert.equal(await me(page), 'eve (2) (you)');
  await page.click('#me');
  await page.waitForSelector('#ask[open]');
  await page.keyboard.press('Escape');
  assert.equal(await page.textContent('#me'), 'eve (2)');
  // The server restarts: the page reconnects with the name it joined
  // with ("guest") and asks for its own again.
  await stop(server);
  server = await start(binary, addr);
  await page.waitForFunction(() => document.getElementById('status').textContent === 'open', null, { timeout: 30000 });
  await eve.waitForFunction(() => window.nexoChat.users().join() === 'eve,eve (2)', null, { timeout: 30000 });
  assert.equal(await page.textContent('#me'), 'eve (2)');
  // The tab keeps its name across a reload.
  await page.reload();
  await isOpen(page);
  await page.waitForFunction(() => document.getElementById('me').textContent === 'eve (2)');
  await page.screenshot({ path: join(artifacts, 'identity-renamed.png') });
  await eve.screenshot({ path: join(artifacts, 'identity-eve.png') });
  await ctx.close();
  await eve.context().close();
});
