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
  await page.screenshot({ path: join(artifacts, 'dashboard.png') });
});
