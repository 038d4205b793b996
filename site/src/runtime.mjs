// The notebook page's entry on the site (an async module: it starts loading and compiling the engine
// while the page is still being parsed): the engine as an ES module with its .wasm beside it, the shared
// page code (page.mjs), and the service worker that keeps the whole site working offline. The
// single-file offline copies use page.mjs with the inlined engine instead (site/tools/offline.mjs).
import { loadEngine } from './kllab.mjs';
import { startPage } from './page.mjs';
import { registerWorker } from './sw-client.mjs';

// The worker's install downloads every asset of the site: it starts once this page is interactive.
startPage({ engine: loadEngine() }).then(({ notify }) => registerWorker(notify));
