// Builds the dashboard into src/plumewatch/api/static/: app.js, app.css, index.html, the offline
// basemap, the bundled packages' licence texts, and build-info.json (a hash of the sources, so a
// test can tell when the committed bundle is older than frontend/).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const outdir = join(root, '..', 'src', 'plumewatch', 'api', 'static');
const BASEMAP = 'world-atlas/countries-50m.json';
const LICENCE_FILES = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'LICENCE', 'license', 'license.md'];

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}

// The same digest tests/dashboard recomputes in Python: every source file's path and bytes, in order.
export function sourcesDigest() {
  const files = [...listFiles(join(root, 'src')), ...listFiles(join(root, 'licences')), ...['build.mjs', 'package.json', 'package-lock.json']
    .map((name) => join(root, name))];
  const paths = files.map((file) => relative(root, file).split('\\').join('/')).sort();
  const hash = createHash('sha256');
  for (const path of paths) {
    hash.update(`${path}\0`);
    hash.update(readFileSync(join(root, path)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

function packageOf(input) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match ? match[1] : null;
}

function notices(packages) {
  const parts = ['Third-party software and data bundled in the plumewatch dashboard (src/plumewatch/api/static/).',
    'Natural Earth data (via world-atlas) is in the public domain: https://www.naturalearthdata.com/about/terms-of-use/',
    ''];
  const versions = {};
  for (const name of [...packages].sort()) {
    const dir = join(root, 'node_modules', name);
    const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    versions[name] = meta.version;
    const file = [...LICENCE_FILES.map((f) => join(dir, f)), join(root, 'licences', `${name.replace('/', '__')}.LICENSE`)]
      .find((f) => existsSync(f));
    if (!file) throw new Error(`${name}: no licence file to bundle`);
    parts.push('='.repeat(78), `${name} ${meta.version} (${meta.license})`, '='.repeat(78),
      readFileSync(file, 'utf8').trim(), '');
  }
  return { text: parts.join('\n'), versions };
}

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const common = { bundle: true, minify: true, metafile: true, legalComments: 'none', logLevel: 'warning' };
const js = await esbuild.build({ ...common, entryPoints: [join(root, 'src', 'main.js')], outfile: join(outdir, 'app.js'),
  format: 'iife', target: 'es2020' });
const css = await esbuild.build({ ...common, entryPoints: [join(root, 'src', 'app.css')],
  outfile: join(outdir, 'app.css'), loader: { '.png': 'dataurl', '.svg': 'dataurl' } });
copyFileSync(join(root, 'src', 'index.html'), join(outdir, 'index.html'));
copyFileSync(join(root, 'node_modules', BASEMAP), join(outdir, 'basemap-countries-50m.json'));

const packages = new Set([packageOf(`node_modules/${BASEMAP}`)]);
for (const meta of [js.metafile, css.metafile]) {
  for (const input of Object.keys(meta.inputs)) {
    const name = packageOf(input);
    if (name) packages.add(name);
  }
}
const { text, versions } = notices(packages);
writeFileSync(join(outdir, 'THIRD_PARTY_NOTICES.txt'), `${text}\n`);
writeFileSync(join(outdir, 'build-info.json'), `${JSON.stringify({
  sources_sha256: sourcesDigest(), esbuild: esbuild.version, packages: versions }, null, 2)}\n`);
console.log(`dashboard built into ${relative(process.cwd(), outdir)}: ${[...packages].sort().join(', ')}`);
