// Post-build check: dist/ must run under Django's CSP
//   default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; ...
// so index.html may hold no inline <script> or <style> and no style="" attribute, and nothing
// (HTML or CSS) may load from another origin. Exits non-zero with the reasons otherwise.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const problems = [];
const html = readFileSync(join(dist, 'index.html'), 'utf8');

for (const [, attrs, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
  if (!/\bsrc\s*=/.test(attrs)) problems.push('inline <script> in index.html');
  else if (body.trim()) problems.push('<script src> with inline content in index.html');
  const src = attrs.match(/\bsrc\s*=\s*["']([^"']+)/)?.[1] ?? '';
  if (src && !src.startsWith('/assets/')) problems.push(`script not under /assets/: ${src}`);
}
if (/<style\b/i.test(html)) problems.push('inline <style> in index.html');
if (/\sstyle\s*=/i.test(html)) problems.push('style="" attribute in index.html');
if (/\son[a-z]+\s*=/i.test(html)) problems.push('inline event handler attribute in index.html');
for (const [, url] of html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)/gi)) {
  if (/^(?:[a-z]+:)?\/\//i.test(url)) problems.push(`index.html loads from another origin: ${url}`);
}
if (!/<script\b[^>]*type="module"[^>]*src="\/assets\/[^"]+\.js"/.test(html)) {
  problems.push('index.html does not load its bundle from /assets/');
}

for (const file of readdirSync(join(dist, 'assets'))) {
  if (!file.endsWith('.css')) continue;
  const css = readFileSync(join(dist, 'assets', file), 'utf8');
  if (/@import/i.test(css)) problems.push(`${file}: @import`);
  for (const [, url] of css.matchAll(/url\(\s*["']?([^"')]+)/gi)) {
    if (/^(?:[a-z]+:)?\/\//i.test(url)) problems.push(`${file}: loads ${url}`);
  }
}

if (problems.length) {
  console.error(`check-dist: ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`);
  process.exit(1);
}
console.log('check-dist: dist/index.html has no inline script or style and loads nothing from other origins');
