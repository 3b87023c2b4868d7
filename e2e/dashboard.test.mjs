import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { build, freePort, start, stop, launch, artifacts } from './helpers.mjs';

let browser, server, base, binary;

before(async () => {
  const addr = `127.0.0.1:${await freePort()}`;
  base = `http://${addr}`;
  binary = build('dashboard');
  server = await start(binary, addr);
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
  await page.waitForFunction(() => window.nexoDashboard.joined(), null, { timeout: 15000 });
  const replayed = await page.evaluate(() => window.nexoDashboard.replayed());
  assert.ok(replayed >= 3, `${replayed} samples drawn before the joined frame, want the replay of the last minute`);
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
  // The pages of the tests before may still be closing: wait for the server to see them go.
  let text = '';
  for (const deadline = Date.now() + 15000; Date.now() < deadline;) {
    const res = await fetch(base + '/metrics');
    assert.equal(res.status, 200);
    text = await res.text();
    if (/^nexo_ws_connections\{route="\/ws"\} 1$/m.test(text)) break;
    await new Promise(r => setTimeout(r, 100));
  }
  assert.match(text, /^nexo_ws_connections\{route="\/ws"\} 1$/m, 'one open connection in /metrics');
  // and for a sample read since.
  await page.waitForFunction(() => [...document.querySelectorAll('.card')].some(c =>
    c.querySelector('h2').textContent === 'Connections' && c.querySelector('.value').textContent === '1'), null, { timeout: 15000 });
  const cards = await page.$$eval('.card', cs => Object.fromEntries(cs.map(c => [c.querySelector('h2').textContent, c.querySelector('.value').textContent])));
  assert.equal(cards['Connections'], '1', `cards ${JSON.stringify(cards)}`);
  assert.equal(cards['Slow consumers'], '0', `cards ${JSON.stringify(cards)}`);
  await page.screenshot({ path: join(artifacts, 'dashboard.png') });
  await page.close();
});

// card returns the figures a card shows: its value, and its line as
// segments of [x, y] points (x in seconds: 0 is 60 s ago, 60 is now).
const card = (page, title) => page.$$eval('.card', (cs, title) => {
  const c = cs.find(c => c.querySelector('h2').textContent === title);
  const segments = [...c.querySelectorAll('polyline')].map(p => p.getAttribute('points').trim().split(' ').filter(Boolean).map(xy => xy.split(',').map(Number)));
  return { value: c.querySelector('.value').textContent, segments };
}, title);

test('messages/s counts the app\'s traffic, not the samples the dashboard is sent', async () => {
  const page = await browser.newPage();
  await page.goto(base + '/');
  await page.waitForFunction(() => window.nexoDashboard.live() >= 3, null, { timeout: 15000 });
  assert.equal((await card(page, 'Messages / s')).value, '0.0');

  // Another client talks on /echo: 10 messages in, 10 out.
  const other = await browser.newPage();
  await other.goto(base + '/');
  await other.evaluate(() => new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${location.host}/echo`);
    let n = 0;
    ws.onopen = () => { for (let i = 0; i < 10; i++) ws.send('hi'); };
    ws.onmessage = () => { if (++n === 10) { ws.close(); resolve(); } };
    ws.onerror = reject;
  }));
  await page.waitForFunction(() => [...document.querySelectorAll('.card')].some(c =>
    c.querySelector('h2').textContent === 'Messages / s' && Number(c.querySelector('.value').textContent) > 0), null, { timeout: 15000 });
  await other.close();
  await page.close();
});

test('every chart has a text alternative with the current figures', async () => {
  const page = await browser.newPage();
  await page.goto(base + '/');
  await page.waitForFunction(() => window.nexoDashboard.live() >= 1, null, { timeout: 15000 });
  const img = page.getByRole('img', { name: /Goroutines/ });
  assert.equal(await img.count(), 1, 'no chart is an image with a name');
  const table = page.getByRole('table', { name: /current figures/i });
  assert.equal(await table.locator('tbody tr').count(), 5);
  // Read at once, between two samples: the card, its chart's name and the table agree.
  const seen = await page.evaluate(() => {
    const c = [...document.querySelectorAll('.card')].find(c => c.querySelector('h2').textContent === 'Goroutines');
    const row = [...document.querySelectorAll('#figures tbody tr')].find(r => r.querySelector('th').textContent === 'Goroutines');
    return { value: c.querySelector('.value').textContent, label: c.querySelector('svg').getAttribute('aria-label'), now: row.querySelector('td').textContent };
  });
  assert.match(seen.label, new RegExp(`^Goroutines, last 60 seconds: now ${seen.value}, lowest \\d+, highest \\d+`));
  assert.equal(seen.now, seen.value);
  await page.close();
});

test('a restart leaves a gap in every chart, as wide as the outage in seconds', async () => {
  const addr = `127.0.0.1:${await freePort()}`;
  let proc = await start(binary, addr);
  const page = await browser.newPage();
  try {
    await page.goto(`http://${addr}/`);
    await page.waitForFunction(() => window.nexoDashboard.live() >= 3, null, { timeout: 15000 });
    proc.kill('SIGKILL');
    await page.waitForFunction(() => document.getElementById('status').textContent !== 'open');
    const down = Date.now();
    await new Promise(r => setTimeout(r, 3000)); // the outage
    proc = await start(binary, addr);
    const live = await page.evaluate(() => window.nexoDashboard.live());
    await page.waitForFunction(n => window.nexoDashboard.live() >= n + 3, live, { timeout: 30000 });
    const outage = (Date.now() - down) / 1000;
    await page.screenshot({ path: join(artifacts, 'dashboard-gap.png') });
    for (const title of ['Goroutines', 'Heap', 'Connections', 'Messages / s', 'Slow consumers']) {
      const { segments } = await card(page, title);
      assert.ok(segments.length >= 2, `${title}: ${segments.length} line(s) across the restart, want a gap`);
      const before = segments.at(-2).at(-1), after = segments.at(-1)[0];
      const gap = after[0] - before[0];
      // Samples are a second apart: the gap spans the outage, at most a second or two more.
      assert.ok(gap >= 3 && gap <= outage + 2.5, `${title}: the gap is ${gap.toFixed(2)} s wide, the outage ${outage.toFixed(1)} s`);
      const xs = segments.at(-1).map(p => p[0]);
      for (let i = 1; i < xs.length; i++) {
        assert.ok(Math.abs(xs[i] - xs[i - 1] - 1) < 0.25, `${title}: samples a second apart are ${(xs[i] - xs[i - 1]).toFixed(2)} s apart on the axis`);
      }
      assert.ok(Math.abs(xs.at(-1) - 60) < 1.5, `${title}: the newest sample is at ${xs.at(-1)}, not now (60)`);
    }
  } finally {
    await page.close();
    await stop(proc);
  }
});

// stale reads how the page presents its figures: the cards' values and
// their colour, the charts' names, the table's caption and the notice.
const stale = page => page.evaluate(() => {
  const notice = document.getElementById('stale');
  return {
    marked: [...document.querySelectorAll('.card')].map(c => c.classList.contains('stale')),
    colors: [...document.querySelectorAll('.card .value')].map(v => getComputedStyle(v).color),
    labels: [...document.querySelectorAll('.card svg')].map(s => s.getAttribute('aria-label')),
    caption: document.querySelector('#figures caption').textContent,
    notice: notice && !notice.hidden && notice.getClientRects().length > 0 ? notice.textContent : '',
    role: notice?.getAttribute('role'),
  };
});

test('while the server is down the figures are marked as not live, to the eye and to screen readers, until samples flow again', async () => {
  const addr = `127.0.0.1:${await freePort()}`;
  let proc = await start(binary, addr);
  const page = await browser.newPage();
  try {
    await page.goto(`http://${addr}/`);
    await page.waitForFunction(() => window.nexoDashboard.live() >= 2, null, { timeout: 15000 });
    const live = await stale(page);
    assert.deepEqual(live.marked, [false, false, false, false, false]);
    assert.equal(live.notice, '', 'a "not live" notice while live');
    proc.kill('SIGKILL');
    await page.waitForFunction(() => document.getElementById('status').textContent !== 'open');
    await page.waitForFunction(() => document.querySelectorAll('.card.stale').length === 5, null, { timeout: 3000 })
      .catch(() => { throw new Error('the server is down and the cards are not marked'); });
    const down = await stale(page);
    await page.screenshot({ path: join(artifacts, 'dashboard-stale.png') });
    for (let i = 0; i < 5; i++) {
      assert.notEqual(down.colors[i], live.colors[i], `card ${i}: its value looks as live as before`);
      assert.match(down.labels[i], /not live/, `card ${i}: the chart's name does not say so: ${down.labels[i]}`);
    }
    assert.match(down.caption, /not live/i, `the table's caption: ${down.caption}`);
    assert.match(down.notice, /not live.*\d{1,2}:\d{2}:\d{2}/i, `the notice: "${down.notice}"`);
    assert.equal(down.role, 'status', 'the notice is not announced');
    proc = await start(binary, addr);
    const n = await page.evaluate(() => window.nexoDashboard.live());
    await page.waitForFunction(n => window.nexoDashboard.live() > n, n, { timeout: 30000 });
    await page.waitForFunction(() => document.querySelectorAll('.card.stale').length === 0, null, { timeout: 2000 });
    const back = await stale(page);
    assert.deepEqual(back.colors, live.colors);
    assert.ok(back.labels.every(l => !/not live/.test(l)), `${back.labels}`);
    assert.doesNotMatch(back.caption, /not live/i);
    assert.equal(back.notice, '');
    await page.screenshot({ path: join(artifacts, 'dashboard-live-again.png') });
  } finally {
    await page.close();
    await stop(proc);
  }
});
