// Fails when the committed dist/ differs from a fresh build of src/: the Go
// module embeds dist/nexo-client.js, so the two must never drift.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = mkdtempSync(join(tmpdir(), 'nexo-client-dist-'));
execFileSync('npx', ['tsc', '-p', 'tsconfig.json', '--outDir', out], { stdio: 'inherit' });
let drift = false;
const names = new Set([...readdirSync(out), ...readdirSync('dist')]);
for (const name of names) {
  let fresh = '', committed = '';
  try { fresh = readFileSync(join(out, name), 'utf8'); } catch {}
  try { committed = readFileSync(join('dist', name), 'utf8'); } catch {}
  if (fresh !== committed) {
    console.error(`dist/${name} is out of date: run npm run build and commit dist/`);
    drift = true;
  }
}
if (drift) process.exit(1);
console.log(`dist/ matches src/ (${names.size} files)`);
