// The notebook page's one module (bundled by the build, loaded async from <head>): it starts the engine's
// worker at once, so the engine compiles and the notebook loads off the main thread while the page is
// still being parsed, then hydrates the page (page.mjs), and registers the service worker that keeps
// the whole site working offline. The single-file offline copies start the same page code with a
// worker made from the inlined engine instead (site/tools/offline.mjs).
import { startPage } from './page.mjs';
import { sharedEngine, spawnModuleWorker } from './engine-client.mjs';
import { registerWorker } from './sw-client.mjs';

const workerUrl = new URL('kllab-worker.js', import.meta.url);
const client = sharedEngine(workerUrl.href, () => spawnModuleWorker(workerUrl));
// The service worker's install downloads every asset of the site: it starts once this page is interactive.
startPage({ client }).then(({ notify }) => registerWorker(notify));
