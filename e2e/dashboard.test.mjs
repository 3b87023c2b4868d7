import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { build, freePort, start, stop, launch, artifacts } from './helpers.mjs';

let browser, server, base;

before(async () => {
  const addr = `127.0.0.1:${await freePort()}`;
  base = `http://${addr}`;
  server = await start(build('dashboard'), addr);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (server) await stop(server);
});

test('the dashboard chart receives points', async () => {
  const page = await browser.newPage();
  await page.goto(base + '/');
  await page.waitForFunction(() => window.nexoDashboard.points() >= 3, null, { timeout: 15000 });
  const line = await page.getAttribute('.card polyline', 'points');
  assert.ok(line.split(' ').length >= 3, `chart has ${line}`);
  await page.close();
});

test('a page opened later draws the last minute at once, on a phone too', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true });
  await page.goto(base + '/');
  // The samples of the first test are replayed before the first live one.
  await page.waitForFunction(() => window.nexoDashboard.points() >= 3, null, { timeout: 15000 });
  assert.equal(await page.evaluate(() => window.nexoDashboard.live()), 0, 'the replay came after a live sample');
  await page.waitForFunction(() => window.nexoDashboard.live() >= 1, null, { timeout: 15000 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the phone page scrolls sideways: ${width}px`);
  await page.screenshot({ path: join(artifacts, 'dashboard-phone.png'), fullPage: true });
  await page.close();
});

test('the page shows what /metrics says', async () => {
  const page = await browser.newPage();
  await page.goto(base + '/');
  // Two live samples: the second was read while this page was connected.
  await page.waitForFunction(() => window.nexoDashboard.live() >= 2, null, { timeout: 15000 });
  const res = await fetch(base + '/metrics');
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(text, /^nexo_ws_connections\{route="\/ws"\} 1$/m, 'one open connection in /metrics');
  const cards = await page.$$eval('.card', cs => Object.fromEntries(cs.map(c => [c.querySelector('h2').textContent, c.querySelector('.value').textContent])));
  assert.equal(cards['Connections'], '1', `cards ${JSON.stringify(cards)}`);
  assert.equal(cards['Slow consumers'], '0', `cards ${JSON.stringify(cards)}`);
  await page.screenshot({ path: join(artifacts, 'dashboard.png') });
  await page.close();
});
