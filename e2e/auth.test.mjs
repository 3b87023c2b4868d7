// The auth example's failure paths in Chromium: a wrong password, a rate
// limit, an oversize post, a logout in another tab, a server restart, and
// a phone screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { build, freePort, start, stop, launch, artifacts } from './helpers.mjs';

let browser, binary, server, base;

before(async () => {
  binary = build('auth');
  const addr = `127.0.0.1:${await freePort()}`;
  base = `http://${addr}`;
  server = await start(binary, addr);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (server) await stop(server);
});

const phone = { viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

// open opens the page in ctx (a browser context: its own cookies) and
// waits until it is connected.
async function open(ctx, url = base) {
  const page = await ctx.newPage();
  page.on('pageerror', err => console.error('page error:', err));
  await page.goto(url + '/');
  await connected(page);
  return page;
}
const connected = (page, timeout = 10000) =>
  page.waitForFunction(() => document.getElementById('status')?.textContent === 'Connected', null, { timeout });
const status = page => page.textContent('#status');

async function logIn(page, name, password) {
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}
async function loggedInAs(page, name) {
  await logIn(page, name, { ada: 'lovelace', alan: 'turing' }[name]);
  await page.waitForFunction(n => document.getElementById('who').textContent === `Logged in as ${n}`, name);
  await connected(page);
  await page.waitForSelector('#say', { state: 'visible' });
}
async function post(page, text) {
  await page.getByLabel('Your post').fill(text);
  await page.getByRole('button', { name: 'Post' }).click();
}
// posts returns the texts of the published posts a page shows, oldest first.
const posts = page => page.$$eval('#posts li:not(.pending):not(.failed) .text', els => els.map(e => e.textContent).reverse());
const seesPosts = (page, n, timeout = 20000) =>
  page.waitForFunction(n => document.querySelectorAll('#posts li:not(.pending):not(.failed)').length >= n, n, { timeout });
const closes = page => page.evaluate(() => window.nexoAuth.closes());
const notices = page => page.evaluate(() => window.nexoAuth.notices());

// adaAndReader opens ada's page, logged in, and an anonymous reader's, each
// in a browser context of its own; before is how many posts the reader
// shows.
async function adaAndReader() {
  const contexts = [await browser.newContext(), await browser.newContext()];
  const ada = await open(contexts[0]);
  await loggedInAs(ada, 'ada');
  const reader = await open(contexts[1]);
  const before = (await posts(reader)).length;
  return { ada, reader, before, close: () => Promise.all(contexts.map(c => c.close())) };
}

test('on a phone, an anonymous reader sees labelled inputs, no post form, and a message for the empty feed', async () => {
  const ctx = await browser.newContext(phone);
  const page = await open(ctx);
  const meta = await page.getAttribute('meta[name=viewport]', 'content');
  assert.match(meta ?? '', /width=device-width/);
  assert.ok(await page.getByLabel('Name').isVisible(), 'the name field has no label');
  assert.ok(await page.getByLabel('Password').isVisible(), 'the password field has no label');
  assert.equal(await page.isVisible('#say'), false, 'the post form is shown to an anonymous reader');
  assert.match(await page.textContent('#empty'), /No posts yet/);
  assert.ok(await page.isVisible('#empty'));
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `the page scrolls sideways: ${width}px`);
  await page.screenshot({ path: join(artifacts, 'auth-phone-anonymous.png'), fullPage: true });

  await loggedInAs(page, 'ada');
  assert.ok(await page.getByLabel('Your post').isVisible());
  await post(page, 'hello from a phone');
  await seesPosts(page, 1);
  assert.equal(await page.isVisible('#empty'), false, 'the empty-feed message stays under a post');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 375);
  await page.screenshot({ path: join(artifacts, 'auth-phone-ada.png'), fullPage: true });
  await ctx.close();
});

test('a wrong password is answered on the login form, and the page stays', async () => {
  const ctx = await browser.newContext();
  const page = await open(ctx);
  await page.evaluate(() => { window.notReloaded = true; });
  await logIn(page, 'ada', 'wrong');
  await page.waitForSelector('#login-error', { state: 'visible' });
  assert.match(await page.textContent('#login-error'), /wrong name or password/i);
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'the page was replaced');
  assert.equal(page.url(), base + '/');
  assert.equal(await page.getAttribute('#password', 'aria-invalid'), 'true');
  assert.ok(await page.isVisible('#login'));
  await page.screenshot({ path: join(artifacts, 'auth-wrong-password.png') });
  await loggedInAs(page, 'ada');
  assert.equal(await page.isVisible('#login-error'), false);
  await ctx.close();
});

test('a user posting too fast is told so, reconnected, and every post goes out once, in order', async () => {
  const { ada, reader, before, close } = await adaAndReader();

  const burst = Array.from({ length: 25 }, (_, i) => `burst ${i + 1}`);
  // As fast as a script (or a paste-happy user) can submit the form.
  await ada.evaluate(texts => {
    const text = document.getElementById('text');
    for (const t of texts) { text.value = t; document.getElementById('say').requestSubmit(); }
  }, burst);
  await ada.waitForFunction(() => window.nexoAuth.notices().some(n => /too fast/i.test(n)));
  await ada.screenshot({ path: join(artifacts, 'auth-rate-limited-notice.png') });
  await seesPosts(reader, before + burst.length, 30000);
  await seesPosts(ada, before + burst.length, 30000);
  assert.deepEqual((await posts(reader)).slice(before), burst);
  assert.deepEqual((await posts(ada)).slice(before), burst);
  assert.ok((await closes(ada)).includes(4429), `closes ${await closes(ada)}: the limit was not hit`);
  assert.ok((await notices(ada)).some(n => /too fast/i.test(n)), `notices ${await notices(ada)}`);
  await connected(ada);
  assert.equal(await ada.locator('#posts li.pending').count(), 0);
  await ada.screenshot({ path: join(artifacts, 'auth-rate-limited.png') });
  await close();
});

test('an oversize post is refused before it is sent; a 1009 from the server is explained and the page reconnects', async () => {
  const { ada, reader, before, close } = await adaAndReader();

  const long = 'x'.repeat(501);
  await post(ada, long);
  await ada.waitForSelector('#say-error', { state: 'visible' });
  assert.match(await ada.textContent('#say-error'), /too long/i);
  assert.equal(await ada.inputValue('#text'), long, 'the text was not kept');
  assert.match(await ada.textContent('#count'), /501\s*\/\s*500/);
  await ada.screenshot({ path: join(artifacts, 'auth-too-long.png') });
  assert.deepEqual(await closes(ada), [], 'the oversize post was sent');

  // A frame over the server's 4 KiB limit, sent past the page's check.
  // The server's 1009 reaches Chromium as 1006 in about half of the tries
  // (ws closes the socket with the rest of the frame unread: a TCP reset),
  // so the page is tried until it sees the 1009; every other close must
  // still end connected again.
  let tries = 0;
  for (; tries < 12; tries++) {
    const n = (await closes(ada)).length;
    await ada.evaluate(() => window.nexoAuth.socket().send({ text: 'y'.repeat(5000), ref: 'crafted' }));
    await ada.waitForFunction(n => window.nexoAuth.closes().length > n, n);
    if ((await closes(ada)).at(-1) === 1009) break;
    await connected(ada);
  }
  console.log(`auth: the page saw 1009 after ${tries + 1} oversize frames (closes ${await closes(ada)})`);
  assert.equal((await closes(ada)).at(-1), 1009);
  assert.ok((await notices(ada)).some(n => /too big/i.test(n)), `notices ${await notices(ada)}`);
  await ada.screenshot({ path: join(artifacts, 'auth-too-big-1009.png') });
  await connected(ada);
  await post(ada, 'short again');
  await seesPosts(reader, before + 1);
  assert.deepEqual((await posts(reader)).slice(before), ['short again']);
  await close();
});

test('logging out in one tab closes the other tab\'s socket with 4401 and hides its post form', async () => {
  const ctx = await browser.newContext();
  const tab1 = await open(ctx);
  await loggedInAs(tab1, 'ada');
  const tab2 = await open(ctx);
  await tab2.waitForFunction(() => document.getElementById('who').textContent === 'Logged in as ada');
  assert.ok(await tab2.isVisible('#say'));

  await tab1.getByRole('button', { name: 'Log out' }).click();
  await tab2.waitForFunction(() => window.nexoAuth.closes().includes(4401));
  await tab2.waitForFunction(() => /not logged in/i.test(document.getElementById('who').textContent));
  assert.ok((await notices(tab2)).some(n => /logged out/i.test(n)), `notices ${await notices(tab2)}`);
  await tab2.waitForSelector('#say', { state: 'hidden' });
  assert.ok(await tab2.isVisible('#login'));
  await connected(tab2); // reading on, anonymously
  await tab2.screenshot({ path: join(artifacts, 'auth-logged-out-elsewhere.png') });

  const alanCtx = await browser.newContext();
  const alan = await open(alanCtx);
  await loggedInAs(alan, 'alan');
  const before = (await posts(tab2)).length;
  await post(alan, 'tab two still reads');
  await seesPosts(tab2, before + 1);
  await ctx.close();
  await alanCtx.close();
});

test('a server restart: the page says it is reconnecting, comes back, tells the truth about the session, and keeps a post typed meanwhile', async () => {
  const addr = `127.0.0.1:${await freePort()}`;
  const url = `http://${addr}`;
  let proc = await start(binary, addr);
  const ctx = await browser.newContext();
  try {
    const page = await open(ctx, url);
    await loggedInAs(page, 'ada');

    await stop(proc); // SIGTERM: every socket is closed with 1001
    await page.waitForFunction(() => window.nexoAuth.closes().includes(1001));
    await page.waitForFunction(() => document.getElementById('status').textContent === 'Reconnecting…');
    await post(page, 'typed while the server was down');
    await page.waitForSelector('#posts li.pending');
    await page.screenshot({ path: join(artifacts, 'auth-restarting.png') });

    proc = await start(binary, addr);
    const back = Date.now();
    await connected(page, 30000);
    console.log(`auth: connected ${Date.now() - back} ms after the server was back`);
    // The new process has a new signing key: the session is gone, and the page says so.
    await page.waitForFunction(() => /not logged in/i.test(document.getElementById('who').textContent));
    assert.ok((await notices(page)).some(n => /session ended/i.test(n)), `notices ${await notices(page)}`);
    assert.ok(await page.isVisible('#login'));
    assert.equal(await page.locator('#posts li.pending').count(), 1, 'the post typed while down was lost');
    await page.screenshot({ path: join(artifacts, 'auth-restarted.png') });

    await loggedInAs(page, 'ada');
    await page.waitForFunction(() => document.querySelectorAll('#posts li.pending').length === 0);
    assert.deepEqual(await posts(page), ['typed while the server was down']);

    // kill -9: no close frame at all.
    proc.kill('SIGKILL');
    await page.waitForFunction(() => document.getElementById('status').textContent === 'Reconnecting…');
    proc = await start(binary, addr);
    await connected(page, 30000);
    await page.waitForFunction(() => /not logged in/i.test(document.getElementById('who').textContent));
  } finally {
    await ctx.close();
    await stop(proc);
  }
});
