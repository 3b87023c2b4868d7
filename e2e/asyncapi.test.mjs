// The chat's AsyncAPI document, read by a real AsyncAPI tool: the standalone
// browser bundle of @asyncapi/react-component (the AsyncAPI initiative's own
// viewer, served from node_modules, no CDN) renders the document the running
// example serves at /nexo/asyncapi.json, in Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build, freePort, start, stop, launch, artifacts } from './helpers.mjs';

const require = createRequire(import.meta.url);
const viewerJS = readFileSync(require.resolve('@asyncapi/react-component/browser/standalone/index.js'));
const viewerCSS = readFileSync(require.resolve('@asyncapi/react-component/styles/default.min.css'));

// The page renders whatever /asyncapi.json holds, as the viewer's README shows
// for the standalone bundle: AsyncApiStandalone.render({schema, config}, node).
const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nexo chat AsyncAPI</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/viewer.css"></head>
<body><div id="asyncapi"></div>
<script src="/viewer.js"></script>
<script>
fetch('/asyncapi.json').then(res => res.text()).then(schema => {
  AsyncApiStandalone.render({ schema, config: { show: { sidebar: true } } }, document.getElementById('asyncapi'));
});
</script></body></html>`;

let browser, server, viewer, viewerBase, docText;
let shownTexts = 0; // texts checked by assertShows

before(async () => {
  const addr = `127.0.0.1:${await freePort()}`;
  server = await start(build('chat'), addr);
  const res = await fetch(`http://${addr}/nexo/asyncapi.json`);
  assert.equal(res.status, 200, 'GET /nexo/asyncapi.json');
  docText = await res.text();

  const files = {
    '/': ['text/html; charset=utf-8', html],
    '/viewer.js': ['text/javascript; charset=utf-8', viewerJS],
    '/viewer.css': ['text/css; charset=utf-8', viewerCSS],
    '/asyncapi.json': ['application/json', docText],
  };
  viewer = createServer((req, res) => {
    const file = files[req.url];
    if (!file) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
  });
  await new Promise((resolve, reject) => {
    viewer.once('error', reject);
    viewer.listen(0, '127.0.0.1', resolve);
  });
  viewerBase = `http://127.0.0.1:${viewer.address().port}`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (viewer) await new Promise(resolve => viewer.close(resolve));
  if (server) await stop(server);
});

// deref follows a local $ref ("#/a/b") in doc; refs already in seen are not
// followed again, so a recursive schema ends.
function deref(doc, node, seen) {
  while (node?.$ref) {
    if (seen.has(node.$ref)) return undefined;
    seen.add(node.$ref);
    node = node.$ref.slice(2).split('/').reduce((n, key) => n?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
  }
  return node;
}

// fieldNames lists the property names of a schema and of the schemas under
// it (properties, array items, referred schemas), as a reader of the
// document expects to find them in any rendering of it.
function fieldNames(doc, schema, seen = new Set()) {
  schema = deref(doc, schema, seen);
  if (!schema || typeof schema !== 'object') return [];
  const names = [];
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    names.push(name, ...fieldNames(doc, prop, seen));
  }
  if (schema.items) names.push(...fieldNames(doc, schema.items, seen));
  return names;
}

// assertShows fails unless every text in want is the whole visible text of
// some element inside section: a field name must be shown as itself, not as
// part of a longer word.
async function assertShows(section, want, where) {
  shownTexts += want.length;
  const missing = [];
  for (const text of want) {
    if (await section.getByText(text, { exact: true }).filter({ visible: true }).count() === 0) missing.push(text);
  }
  assert.deepEqual(missing, [], `${where} does not show ${missing.join(', ')}`);
}

test('the AsyncAPI React viewer renders the chat document: its channels, operations and payload fields, no error', async t => {
  const doc = JSON.parse(docText);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pageErrors = [];
  const requests = [];
  page.on('pageerror', err => pageErrors.push(err));
  page.on('request', req => requests.push(req.url()));
  // Nothing leaves the loopback: the viewer, its styles and the document are
  // all served by the test.
  await page.route(url => url.protocol !== 'data:' && url.hostname !== '127.0.0.1', route => route.abort());
  page.on('console', msg => { if (msg.type() === 'error') console.error('page console:', msg.text()); });
  await page.goto(viewerBase + '/');

  // The viewer parses (and validates) the document before it renders either
  // the documentation or its error panel.
  await page.waitForSelector('#operations, .aui-root h2:text-matches("^Error")', { timeout: 60000 });
  const errors = await page.locator('.aui-root h2').filter({ hasText: /^Error/ }).allInnerTexts();
  assert.deepEqual(errors, [], 'the viewer shows an error section');
  assert.deepEqual(pageErrors, [], 'the page threw');

  // The replies of an operation are folded away: unfold them.
  for (const button of await page.locator('button', { hasText: /^Expected Reply Messages?$/ }).all()) await button.click();
  // Nested payloads are collapsed: open every level. Expanding a schema
  // expands its children, whose buttons then say "Collapse all".
  const expand = page.locator('button:text-is("Expand all") >> visible=true');
  for (let i = 0; await expand.count() > 0; i++) {
    assert.ok(i < 200, 'the "Expand all" buttons never run out');
    // A button counted may be re-rendered as "Collapse all" before the
    // click lands (its parent's click expanded it): count again then.
    await expand.first().click({ timeout: 2000 }).catch(e => { if (e.name !== 'TimeoutError') throw e; });
  }

  await assertShows(page.locator('#introduction'), [`${doc.info.title} ${doc.info.version}`], 'the introduction');
  const operationIDs = Object.keys(doc.operations);
  assert.ok(operationIDs.length > 0, 'the document has no operations');
  const rendered = page.locator('#operations li[id^="operation-"]');
  assert.equal(await rendered.count(), operationIDs.length, 'rendered operations');
  for (const id of operationIDs) {
    const op = doc.operations[id];
    const section = rendered.filter({ has: page.getByText(id, { exact: true }) });
    assert.equal(await section.count(), 1, `operation ${id} is not rendered once`);
    const channel = deref(doc, op.channel, new Set());
    await assertShows(section, [channel.address, op.summary].filter(Boolean), `operation ${id}`);
    for (const ref of [...op.messages, ...op.reply?.messages ?? []]) {
      const key = ref.$ref.split('/').at(-1);
      const msg = deref(doc, ref, new Set());
      await assertShows(section, [key, ...fieldNames(doc, msg.payload)], `operation ${id}, message ${key}`);
    }
  }

  for (const [key, msg] of Object.entries(doc.components?.messages ?? {})) {
    const section = page.locator(`#messages li[id="message-${key}"]`);
    await assertShows(section, [key, ...fieldNames(doc, msg.payload)], `message ${key}`);
  }
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    const section = page.locator(`#schemas li[id="schema-${name}"]`);
    await assertShows(section, [name, ...fieldNames(doc, schema)], `schema ${name}`);
  }

  const foreign = requests.filter(url => { const u = new URL(url); return u.protocol !== 'data:' && u.hostname !== '127.0.0.1'; });
  assert.deepEqual(foreign, [], 'the page fetched from outside the loopback');
  assert.deepEqual(pageErrors, [], 'the page threw');
  t.diagnostic(`${operationIDs.length} operations, ${shownTexts} names found on the rendered page`);
  await page.screenshot({ path: join(artifacts, 'asyncapi-viewer.png'), fullPage: true });
  await page.close();
});
