// The JavaScript snippets of the documentation (docs/*.md, README.md,
// client/README.md: ```js blocks and the module scripts of ```html blocks)
// are type-checked against the client's source, so that a renamed method
// or option breaks this test rather than a reader's page. Every snippet
// defines the names it uses.
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));
const clientDir = resolve(here, '..');
const repo = resolve(clientDir, '..');
const pages = [
  ...readdirSync(join(repo, 'docs')).filter(f => f.endsWith('.md')).sort().map(f => join('docs', f)),
  'README.md',
  join('client', 'README.md'),
];

interface Snippet { page: string; line: number; code: string }

function snippets(): Snippet[] {
  const out: Snippet[] = [];
  for (const page of pages) {
    const lines = readFileSync(join(repo, page), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const fence = lines[i].trim();
      if (fence !== '```js' && fence !== '```html') continue;
      const start = i + 1;
      let end = start;
      while (end < lines.length && lines[end].trim() !== '```') end++;
      const body = lines.slice(start, end).join('\n');
      i = end;
      if (fence === '```js') {
        out.push({ page, line: start + 1, code: body });
        continue;
      }
      // An html block: its module scripts.
      for (const m of body.matchAll(/<script type="module">([\s\S]*?)<\/script>/g)) {
        const before = body.slice(0, m.index! + m[0].indexOf('>') + 1).split('\n').length - 1;
        out.push({ page, line: start + 1 + before, code: m[1] });
      }
    }
  }
  return out;
}

// The specifiers a page imports the client by, and the source they are.
const modules: Record<string, string> = {
  '/nexo/client.js': join(clientDir, 'src', 'nexo-client.ts'),
  '@nexogo/client': join(clientDir, 'src', 'nexo-client.ts'),
  '@nexogo/client/react': join(clientDir, 'src', 'react.ts'),
  '/nexo/react.js': join(clientDir, 'src', 'react.ts'),
};

// Diagnostics about names a snippet leaves to its page, or about the
// snippet being a fragment.
const allowed = new Set([
  // 2304 and 2552 (Cannot find name) are reported: a snippet defines
  // what it uses, so that a reader can paste it.
  2582, 2593, // test globals
  6133, // declared but never read
]);

// source is the module a snippet is checked as: its own scope, and, for a
// fragment that imports nothing, the client's exports imported the way a
// page does, so that its calls are checked too. The first line is always
// the added one.
function source(s: Snippet): string {
  const imports = /^\s*import\s/m.test(s.code)
    ? ''
    : "import { connect, closeAction, resolveURL, RequestError } from '/nexo/client.js';";
  return `${imports}\n${s.code}\nexport {};\n`;
}

describe('documentation snippets', () => {
  const all = snippets();
  it('say how to install the package from the repository wherever they import it (it is not on the registry)', () => {
    const wrong = pages.filter(p => {
      const text = readFileSync(join(repo, p), 'utf8');
      return /npm (i|install) @nexogo\/client/.test(text) || (text.includes("from '@nexogo/client") && !text.includes('npm install --install-links ./nexo/client'));
    });
    expect(wrong).toEqual([]);
  });
  it('finds the snippets', () => {
    expect(all.length).toBeGreaterThanOrEqual(6);
  });

  it('type-check against the client', () => {
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ES2022,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      strict: false,
      noImplicitAny: false,
      skipLibCheck: true,
      noEmit: true,
      jsx: ts.JsxEmit.ReactJSX,
      types: [],
    };
    const files = new Map<string, Snippet>();
    all.forEach((s, i) => files.set(join(clientDir, 'test', `__snippet${i}.ts`), s));
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, lang, ...rest) => {
      const s = files.get(name);
      return s ? ts.createSourceFile(name, source(s), lang) : getSourceFile(name, lang, ...rest);
    };
    const fileExists = host.fileExists.bind(host);
    host.fileExists = name => files.has(name) || fileExists(name);
    host.resolveModuleNameLiterals = (literals, containing) => literals.map(lit => {
      const target = modules[lit.text];
      if (target) return { resolvedModule: { resolvedFileName: target, extension: ts.Extension.Ts } };
      return ts.resolveModuleName(lit.text, containing, options, host);
    });
    const program = ts.createProgram([...files.keys()], options, host);
    const problems: string[] = [];
    for (const [name, s] of files) {
      const sf = program.getSourceFile(name)!;
      for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
        if (allowed.has(d.code)) continue;
        // Plain JavaScript reads a message's fields without narrowing the
        // client's `unknown` first.
        const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
        if ((d.code === 2339 && text.includes("on type 'unknown'")) || d.code === 18046) continue;
        const { line } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
        problems.push(`${s.page}:${s.line + line - 1}: ${text}`);
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
