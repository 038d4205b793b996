// A small static file server for site/dist on 127.0.0.1 (no server code exists in the product;
// this only stands in for any static host). Sends the strict Content-Security-Policy.
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

/**
 * Starts the server. @returns {Promise<{server, port, url, close: () => Promise<void>}>}
 * port 0 picks a free port (tests).
 */
export function startServer({ port = 8000, dir = fileURLToPath(new URL('../dist', import.meta.url)), host = '127.0.0.1' } = {}) {
  const root = resolve(dir);
  const server = createServer((req, res) => {
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
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': CSP }).end('not found');
      return;
    }
    // the build's precompressed copy (foo.br, foo.gz) when the client accepts it
    const { path: body, encoding } = precompressed(file, req.headers['accept-encoding']);
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] || 'application/octet-stream',
      'Content-Security-Policy': CSP,
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
  const opts = { port };
  if (dirArg >= 0) opts.dir = args[dirArg + 1];
  startServer(opts).then(
    ({ url }) => console.log(`KL Lab: serving ${opts.dir || 'site/dist'} on ${url}`),
    (e) => {
      console.error(`KL Lab: cannot serve on port ${port}: ${e.message}`);
      process.exit(1);
    },
  );
}
