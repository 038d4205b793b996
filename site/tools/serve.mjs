// A small static file server for site/dist on 127.0.0.1 (no server code exists in the product;
// this only stands in for any static host). Sends the strict Content-Security-Policy.
// With --cors (`make serve CORS=1`) it also sends what a page on another origin needs to embed from
// it: `Access-Control-Allow-Origin: *` (the embed's module, the engine, its wasm, the data and the
// stylesheet are all fetched in CORS mode) and `Cross-Origin-Resource-Policy: cross-origin` (for hosts
// that isolate themselves with Cross-Origin-Embedder-Policy).
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';

import { fileURLToPath } from 'node:url';
import { CSP } from './csp.mjs';

export { CSP };

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.xml': 'application/xml; charset=utf-8',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

/** The file to send for `file` given an Accept-Encoding header: its .br or .gz copy if accepted and present. */
export function precompressed(file, accept = '') {
  const accepts = (name) => new RegExp(`(^|[,\\s])${name}(?!;q=0(\\.0*)?(,|$))`).test(String(accept));
  for (const [name, ext] of [['br', '.br'], ['gzip', '.gz']]) {
    if (!accepts(name)) continue;
    try {
      if (statSync(file + ext).isFile()) return { path: file + ext, encoding: name };
    } catch {
      /* no such copy */
    }
  }
  return { path: file, encoding: null };
}

/** The headers --cors adds to every answer. */
export const CORS_HEADERS = { 'Access-Control-Allow-Origin': '*', 'Cross-Origin-Resource-Policy': 'cross-origin' };

/**
 * Starts the server. @returns {Promise<{server, port, url, close: () => Promise<void>}>}
 * port 0 picks a free port (tests); cors: send CORS_HEADERS; csp: the policy header (null: none, as an
 * LMS serving a SCORM package's files may send none).
 */
export function startServer({ port = 8000, dir = fileURLToPath(new URL('../dist', import.meta.url)), host = '127.0.0.1', cors = false, csp = CSP } = {}) {
  const root = resolve(dir);
  const extra = { ...(cors ? CORS_HEADERS : {}), ...(csp ? { 'Content-Security-Policy': csp } : {}) };
  const server = createServer((req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...extra, ...(cors ? { 'Access-Control-Allow-Methods': 'GET, HEAD', 'Access-Control-Max-Age': '86400' } : {}) }).end();
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(`http://localhost${req.url.startsWith('/') ? '' : '/'}${req.url}`).pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + '/')) {
      res.writeHead(403).end('forbidden');
      return;
    }
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      statSync(file);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...extra }).end('not found');
      return;
    }
    // the build's precompressed copy (foo.br, foo.gz) when the client accepts it
    const { path: body, encoding } = precompressed(file, req.headers['accept-encoding']);
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] || 'application/octet-stream',
      ...extra,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
      Vary: 'Accept-Encoding',
      ...(encoding ? { 'Content-Encoding': encoding } : {}),
    });
    createReadStream(body).pipe(res);
  });

  return new Promise((resolveStart, rejectStart) => {
    server.once('error', rejectStart);
    server.listen(port, host, () => {
      const actual = server.address().port;
      resolveStart({
        server,
        port: actual,
        url: `http://${host}:${actual}/`,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const portArg = args.indexOf('--port');
  const port = Number(portArg >= 0 ? args[portArg + 1] : process.env.PORT || 8000);
  const dirArg = args.indexOf('--dir');
  const opts = { port, cors: args.includes('--cors') || ['1', 'yes', 'true'].includes(process.env.CORS) };
  if (dirArg >= 0) opts.dir = args[dirArg + 1];
  startServer(opts).then(
    ({ url }) => console.log(`KL Lab: serving ${opts.dir || 'site/dist'} on ${url}${opts.cors ? ' (with CORS headers: any origin may embed)' : ''}`),
    (e) => {
      console.error(`KL Lab: cannot serve on port ${port}: ${e.message}`);
      process.exit(1);
    },
  );
}
