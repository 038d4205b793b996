// SCORM packages (`make scorm`): every zip holds a manifest with the structure its version requires and
// one self-contained SCO; and the SCO runs against a real SCORM run-time (scorm-again, both versions)
// on a page that plays the LMS (tests/browser/lms/): it reads the manifest, launches the SCO in a frame,
// the learner checks answers, and the test reads back what the run-time recorded: interactions, score,
// completion and success, suspend_data, exit and session time. A relaunch (another browser profile:
// another device) restores the work; the learner's id picks their variant; the 1.2 size limit is met by
// compression and, past it, by keeping the last state that fitted. Without an LMS the SCO is the
// offline file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';
import { unzipSync, strFromU8 } from 'fflate';
import { startServer } from '../../site/tools/serve.mjs';
import { decodeState } from '../../site/src/lms.mjs';
import { engine } from '../node/support.mjs';
import { CHROMIUM_ARGS, openPage, axe, partState, referenceAnswer, ROOT, WAIT, clickCheck } from './support.mjs';

const OUT = `${ROOT}build/scorm/`;
const NOTEBOOKS = readdirSync(`${ROOT}site/notebooks`).filter((f) => f.endsWith('.md')).map((f) => f.replace(/\.md$/, ''));
const VERSIONS = [
  { version: '2004', suffix: 'scorm2004' },
  { version: '1.2', suffix: 'scorm12' },
];

let browser, server, dir, kl, nb, env;

before(async () => {
  dir = mkdtempSync(`${tmpdir()}/kllab-lms-`);
  for (const f of readdirSync(`${ROOT}tests/browser/lms`)) cpSync(`${ROOT}tests/browser/lms/${f}`, `${dir}/${f}`);
  cpSync(`${ROOT}node_modules/scorm-again/dist/esm/scorm-again.js`, `${dir}/scorm-again.js`);
  // the LMS unzips each package into a folder of its own
  for (const { suffix } of VERSIONS) {
    const files = unzipSync(readFileSync(`${OUT}distillation-${suffix}.zip`));
    mkdirSync(`${dir}/${suffix}`);
    for (const [name, bytes] of Object.entries(files)) writeFileSync(`${dir}/${suffix}/${name}`, bytes);
  }
  kl = await engine();
  nb = kl.loadNotebook(readFileSync(`${ROOT}site/notebooks/distillation.md`, 'utf8'), 'distillation.md');
  // an LMS serves a package's files as they are, without a policy header: the SCO brings its own
  [server, browser] = await Promise.all([startServer({ port: 0, dir, csp: null }), chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS })]);
  env = { browser, base: server.url };
});

after(async () => {
  nb?.close();
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---- the packages ---------------------------------------------------------------------------------

const NCNAME = /^[A-Za-z_][\w.-]*$/;

/** Every structural rule the manifest of each version must meet, checked with the browser's XML parser. */
function validateManifest(xmlText, version, entries) {
  return async (page) =>
    page.evaluate(
      ({ xmlText, version, entries, ncname }) => {
        const errors = [];
        const doc = new DOMParser().parseFromString(xmlText, 'application/xml');
        if (doc.getElementsByTagName('parsererror').length) return ['not well-formed XML'];
        const ns =
          version === '1.2'
            ? { cp: 'http://www.imsproject.org/xsd/imscp_rootv1p1p2', adlcp: 'http://www.adlnet.org/xsd/adlcp_rootv1p2', schemaversion: '1.2', scormType: 'scormtype' }
            : { cp: 'http://www.imsglobal.org/xsd/imscp_v1p1', adlcp: 'http://www.adlnet.org/xsd/adlcp_v1p3', imsss: 'http://www.imsglobal.org/xsd/imsss', schemaversion: '2004 4th Edition', scormType: 'scormType' };
        const kids = (el, name, namespace = ns.cp) => [...el.children].filter((c) => c.namespaceURI === namespace && c.localName === name);
        const root = doc.documentElement;
        if (root.namespaceURI !== ns.cp || root.localName !== 'manifest') errors.push(`root is {${root.namespaceURI}}${root.localName}`);
        const ids = [...doc.querySelectorAll('[identifier]')].map((e) => e.getAttribute('identifier'));
        if (new Set(ids).size !== ids.length) errors.push(`identifiers repeat: ${ids}`);
        for (const id of ids) if (!new RegExp(ncname).test(id)) errors.push(`identifier ${id} is not an xs:ID`);
        const schemaLocation = root.getAttributeNS('http://www.w3.org/2001/XMLSchema-instance', 'schemaLocation') || '';
        for (const n of Object.values(ns).filter((x) => x.startsWith('http'))) if (!schemaLocation.split(/\s+/).includes(n)) errors.push(`schemaLocation does not name ${n}`);
        // metadata: schema and schemaversion, in that order
        const [metadata] = kids(root, 'metadata');
        const meta = metadata ? [...metadata.children].map((c) => [c.localName, c.textContent]) : [];
        if (JSON.stringify(meta.slice(0, 2)) !== JSON.stringify([['schema', 'ADL SCORM'], ['schemaversion', ns.schemaversion]])) errors.push(`metadata is ${JSON.stringify(meta)}`);
        // organizations (default names one), each with a title first and items
        const [orgs] = kids(root, 'organizations');
        const organizations = orgs ? kids(orgs, 'organization') : [];
        if (!organizations.length) errors.push('no organization');
        if (!organizations.some((o) => o.getAttribute('identifier') === orgs.getAttribute('default'))) errors.push('organizations/@default names no organization');
        const [resourcesEl] = kids(root, 'resources');
        const resources = resourcesEl ? kids(resourcesEl, 'resource') : [];
        const items = [];
        for (const o of organizations) {
          if (o.firstElementChild?.localName !== 'title' || !o.firstElementChild.textContent.trim()) errors.push('an organization does not start with a title');
          const walk = (el) => {
            for (const it of kids(el, 'item')) {
              items.push(it);
              if (it.firstElementChild?.localName !== 'title' || !it.firstElementChild.textContent.trim()) errors.push(`item ${it.getAttribute('identifier')} does not start with a title`);
              walk(it);
            }
          };
          walk(o);
        }
        if (!items.length) errors.push('no item');
        for (const it of items) {
          const ref = it.getAttribute('identifierref');
          if (ref && !resources.some((r) => r.getAttribute('identifier') === ref)) errors.push(`item ${it.getAttribute('identifier')} refers to no resource (${ref})`);
          if (version === '1.2') {
            const m = it.getElementsByTagNameNS(ns.adlcp, 'masteryscore')[0];
            if (m && !(Number.isInteger(Number(m.textContent)) && +m.textContent >= 0 && +m.textContent <= 100)) errors.push(`masteryscore ${m.textContent}`);
          } else {
            // after the title, IMS SS sequencing; a primary objective measured by the score
            const seq = [...it.children].filter((c) => c.namespaceURI === ns.imsss && c.localName === 'sequencing');
            if (seq.length > 1) errors.push('more than one sequencing');
            const po = it.getElementsByTagNameNS(ns.imsss, 'primaryObjective')[0];
            if (po) {
              const mnm = po.getElementsByTagNameNS(ns.imsss, 'minNormalizedMeasure')[0];
              if (po.getAttribute('satisfiedByMeasure') !== 'true' || !mnm || !(+mnm.textContent >= -1 && +mnm.textContent <= 1)) errors.push('primary objective without a usable measure');
            }
          }
        }
        if (!resources.length) errors.push('no resource');
        for (const r of resources) {
          if (r.getAttribute('type') !== 'webcontent') errors.push(`resource type ${r.getAttribute('type')}`);
          const t = r.getAttributeNS(ns.adlcp, ns.scormType);
          if (t !== 'sco') errors.push(`resource ${r.getAttribute('identifier')}: adlcp:${ns.scormType} is ${JSON.stringify(t)}`);
          if (!entries.includes(r.getAttribute('href'))) errors.push(`resource href ${r.getAttribute('href')} is not in the package`);
          const files = kids(r, 'file').map((f) => f.getAttribute('href'));
          if (!files.includes(r.getAttribute('href'))) errors.push('the launch file is not listed as a file');
          for (const f of files) if (!entries.includes(f)) errors.push(`file ${f} is not in the package`);
        }
        return errors;
      },
      { xmlText, version, entries, ncname: NCNAME.source },
    );
}

test('every notebook has both packages; each manifest has the structure its version requires; the SCO is one self-contained file under a strict policy', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    await page.goto(`${server.url}lms.html`);
    for (const id of NOTEBOOKS) {
      for (const { version, suffix } of VERSIONS) {
        const files = unzipSync(readFileSync(`${OUT}${id}-${suffix}.zip`));
        const entries = Object.keys(files).sort();
        assert.deepEqual(entries, ['imsmanifest.xml', 'index.html'], `${id} ${version}`);
        const manifest = strFromU8(files['imsmanifest.xml']);
        assert.deepEqual(await validateManifest(manifest, version, entries)(page), [], `${id}-${suffix}: imsmanifest.xml`);
        const title = JSON.parse(readFileSync(`${ROOT}site/dist/embed/${id}.json`, 'utf8')).title;
        assert.equal(manifest.match(/<title>([^<]*)<\/title>/g).length, 2);
        assert.ok(manifest.includes(`<title>${title}</title>`), `${id}: titled ${title}`);
        const html = strFromU8(files['index.html']);
        const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
        assert.equal(scripts.length, 1);
        const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)[1];
        const hash = `'sha256-${createHash('sha256').update(scripts[0]).digest('base64')}'`;
        assert.equal(csp, csp.replace(/script-src \S+/, `script-src ${hash}`), 'the policy allows exactly this script');
        assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/);
        assert.match(html, new RegExp(`<meta name="kllab-scorm" content="${version.replace('.', '\\.')}">`));
        assert.doesNotMatch(html, /\s(src|href)="(https?:)?\/\//, 'nothing loads from elsewhere');
      }
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// ---- the run-time -------------------------------------------------------------------------------------

/** The variant the engine gives a learner's untouched exercises in a course (kl::learner_seed). */
function learnerSeed(id) {
  const n = kl.loadNotebook(readFileSync(`${ROOT}site/notebooks/distillation.md`, 'utf8'), 'distillation.md');
  try {
    n.setLearner({ id }, { personalVariants: true });
    return n.state().exercises[0].seed;
  } finally {
    n.close();
  }
}

/** The notebook's parts in page order, each with the learner's right answer and a wrong one for a seed. */
function partsFor(seed) {
  const parts = [];
  for (const c of nb.cells().filter((x) => x.type === 'exercise')) {
    for (const part of nb.exercise(c.exercise).parts) {
      const right = referenceAnswer(nb, part, seed);
      let wrong = null;
      if (part.kind === 'choice') {
        for (let i = 1; i <= part.choices.length && !wrong; i++) if (nb.check(part.id, String(i), { seed }).verdict === 'incorrect') wrong = String(i);
      } else {
        for (const m of nb.libraryMistakes(part.id, { seed })) if (!wrong && nb.check(part.id, m.text, { seed }).verdict === 'incorrect') wrong = m.text;
        if (!wrong && nb.check(part.id, '12345', { seed }).verdict === 'incorrect') wrong = '12345';
      }
      parts.push({ id: part.id, exercise: c.exercise, kind: part.kind, right, wrong });
    }
  }
  return parts;
}

async function launchLms(page, o) {
  await page.goto(`${server.url}lms.html`);
  await page.waitForFunction(() => document.documentElement.dataset.lms === 'ready');
  await page.evaluate((x) => window.lms.launch(x), o);
}

const scoFrame = (page) => page.frames().find((f) => f.url().includes('/index.html'));

async function scoReady(page) {
  let frame = scoFrame(page);
  for (const until = Date.now() + WAIT; !frame && Date.now() < until; frame = scoFrame(page)) await page.waitForTimeout(50);
  assert.ok(frame, 'the SCO frame');
  await frame.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  return frame;
}

/** Checks an answer in the SCO and waits until the run-time holds one more interaction. */
async function check(page, frame, part, text) {
  const before = await page.evaluate(() => window.lms.interactions());
  const el = frame.locator(`[data-part="${part.id}"]`);
  if (part.kind === 'choice') await el.locator(`input[type="radio"][value="${text}"]`).check();
  else await el.locator(`[name="${part.id}"]`).fill(text);
  await clickCheck(el.locator('button[data-action="check"]'));
  try {
    await page.waitForFunction((n) => window.lms.interactions() > n, before);
  } catch (e) {
    // what the SCO showed when the interaction did not arrive (for a failure's report)
    const seen = await partState(frame, part.id);
    const calls = await page.evaluate(() => window.lms.state().calls).catch(() => '?');
    throw new Error(`no interaction after checking ${part.id} = ${text}: ${seen}; run-time calls ${calls}; ${e.message}`);
  }
}

/**
 * Waits until the SCO has saved a record whose part `id` has `answer` as its last checked answer (the
 * SCO saves a moment after a change, never on the click itself); read by the engine in node.
 */
async function suspended(page, id, answer) {
  for (const until = Date.now() + WAIT; Date.now() < until; ) {
    const data = (await state(page)).cmi.suspend_data;
    if (data) {
      const n = kl.loadNotebook(readFileSync(`${ROOT}site/notebooks/distillation.md`, 'utf8'), 'distillation.md');
      try {
        if (n.loadRecord(decodeState(data)).ok && n.state().exercises.flatMap((e) => e.parts).find((p) => p.id === id)?.checked === answer) return;
      } finally {
        n.close();
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`suspend_data never held ${id} = ${answer.slice(0, 40)}`);
}

const state = (page) => page.evaluate(() => window.lms.state());

/** The version's view of what the run-time recorded (so one test reads both). */
function recorded(version, cmi) {
  const list = Object.values(cmi.interactions ?? {}).filter((x) => x && typeof x === 'object' && 'id' in x);
  if (version === '2004') {
    return {
      learner: cmi.learner_id,
      interactions: list.map((x) => ({ id: x.id, type: x.type, response: x.learner_response, result: x.result, time: x.timestamp, weighting: x.weighting })),
      raw: cmi.score?.raw,
      max: cmi.score?.max,
      min: cmi.score?.min,
      scaled: cmi.score?.scaled,
      completion: cmi.completion_status,
      success: cmi.success_status,
      progress: cmi.progress_measure,
      suspend: cmi.suspend_data,
      exit: cmi.exit,
      sessionTime: cmi.session_time,
    };
  }
  return {
    learner: cmi.core.student_id,
    interactions: list.map((x) => ({ id: x.id, type: x.type, response: x.student_response, result: x.result, time: x.time, weighting: x.weighting })),
    raw: cmi.core.score.raw,
    max: cmi.core.score.max,
    min: cmi.core.score.min,
    status: cmi.core.lesson_status,
    suspend: cmi.suspend_data,
    exit: cmi.core.exit,
    sessionTime: cmi.core.session_time,
  };
}

const TIME = { 2004: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,2})?Z$/, '1.2': /^\d\d:\d\d:\d\d$/ };
const SESSION = { 2004: /^PT\d+H\d+M\d+(\.\d{1,2})?S$/, '1.2': /^\d{2,4}:\d\d:\d\d(\.\d{1,2})?$/ };

for (const { version, suffix } of VERSIONS) {
  test(`SCORM ${version}: checks become interactions; score, completion, success and suspend_data recorded; exit suspends; a relaunch elsewhere restores the work`, async () => {
    const learner = { id: `learner-${version}-0042`, name: 'Lovelace, Ada' };
    const seed = learnerSeed(learner.id);
    const parts = partsFor(seed);
    const { context, page, problems } = await openPage(env, null);
    try {
      await launchLms(page, { version, pkg: suffix, learner, how: version === '2004' ? 'nested' : 'frame' });
      const frame = await scoReady(page);
      // the learner's own numbers (their id picks the variant), and no score before any check
      assert.equal(await frame.locator(`#${parts[0].exercise} [data-variant-label]`).textContent(), `Variant ${seed}`);
      let s = await state(page);
      assert.equal(s.initialized, true);
      let r = recorded(version, s.cmi);
      assert.equal(r.raw, '');
      assert.equal(version === '2004' ? r.completion : r.status, 'incomplete');
      assert.match(await frame.locator('#kl-notices').textContent(), /Connected to your course as Lovelace, Ada/);

      // an unreadable answer, then every part right except the last, which is wrong
      const typed = parts.find((p) => p.kind !== 'choice');
      await check(page, frame, typed, '0.3 +');
      for (const p of parts.slice(0, -1)) await check(page, frame, p, p.right);
      const last = parts.at(-1);
      await check(page, frame, last, last.wrong);
      await suspended(page, last.id, last.wrong);

      s = await state(page);
      r = recorded(version, s.cmi);
      assert.equal(r.learner, learner.id);
      const expected = [
        { part: typed, response: '0.3 +', result: 'unanticipated' },
        ...parts.slice(0, -1).map((p) => ({ part: p, response: p.right, result: 'correct' })),
        { part: last, response: last.wrong, result: version === '2004' ? 'incorrect' : 'wrong' },
      ];
      assert.equal(r.interactions.length, expected.length);
      expected.forEach((e, i) => {
        const got = r.interactions[i];
        const choice = e.part.kind === 'choice';
        assert.equal(got.id, `distillation.${e.part.id}`);
        assert.equal(got.type, choice ? 'choice' : version === '2004' ? 'long-fill-in' : 'fill-in');
        assert.equal(got.response, e.response, `${e.part.id} response`);
        assert.equal(got.result, e.result, `${e.part.id} result`);
        assert.equal(got.weighting, '1');
        assert.match(got.time, TIME[version]);
        if (version === '2004') assert.match(s.cmi.interactions[i].description, new RegExp(`^${e.part.exercise} .+, part `), 'described by its exercise and part');
      });
      const pct = Math.round(((parts.length - 1) / parts.length) * 10000) / 100;
      assert.equal(Number(r.raw), pct);
      assert.equal(r.min, '0');
      assert.equal(r.max, '100');
      if (version === '2004') {
        assert.equal(Number(r.scaled), Math.round(((parts.length - 1) / parts.length) * 1e7) / 1e7);
        assert.equal(r.completion, 'completed');
        assert.equal(r.success, pct >= 80 ? 'passed' : 'failed');
        assert.equal(Number(r.progress), 1);
      } else {
        assert.equal(r.status, pct >= 80 ? 'passed' : 'failed');
      }
      assert.match(r.suspend, /^KL1z?:/);
      assert.ok(r.suspend.length <= (version === '2004' ? 64000 : 4096));
      // the work is in the LMS, not in this browser's storage
      assert.deepEqual(await frame.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('kllab:progress:'))), []);
      assert.ok(s.calls.filter((c) => /Commit/.test(c)).length >= expected.length, 'a commit after each check');

      // the learner leaves: the SCO suspends, commits and terminates
      await page.evaluate(() => window.lms.close());
      await page.waitForFunction(() => window.lms.state().terminated);
      s = await state(page);
      r = recorded(version, s.cmi);
      assert.equal(r.exit, 'suspend');
      assert.match(r.sessionTime, SESSION[version]);
      assert.equal(s.calls.at(-1), version === '2004' ? 'Terminate' : 'LMSFinish');
      assert.deepEqual(problems, []);

      // another device (a new browser profile), the same learner: the LMS hands back suspend_data
      const other = await openPage(env, null);
      try {
        await launchLms(other.page, { version, pkg: suffix, learner, saved: { suspend_data: r.suspend } });
        const f2 = await scoReady(other.page);
        assert.equal(await f2.locator(`#${parts[0].exercise} [data-variant-label]`).textContent(), `Variant ${seed}`);
        for (const p of parts.slice(0, -1)) assert.equal(await f2.locator(`[data-part="${p.id}"]`).getAttribute('data-verdict'), 'correct', `${p.id} restored`);
        assert.equal(await f2.locator(`[data-part="${last.id}"]`).getAttribute('data-verdict'), 'incorrect');
        if (typed.kind !== 'choice') assert.equal(await f2.locator(`[name="${typed.id}"]`).inputValue(), typed.right);
        // the restored work reports the same score again (nothing lost on the way)
        const again = recorded(version, (await state(other.page)).cmi);
        assert.equal(Number(again.raw), pct);
        assert.deepEqual(await axe(f2), []);
        assert.deepEqual(other.problems, []);
      } finally {
        await other.context.close();
      }
    } finally {
      await context.close();
    }
  });
}

test('each learner gets their own numbers: another id, another variant, checked against its own answers', async () => {
  const learner = { id: 'someone-else@example.org', name: 'Noether, Emmy' };
  const seed = learnerSeed(learner.id);
  // the engine's rule gives the numbers the page's own rule gave before it moved there (learners keep their variants)
  assert.deepEqual(['learner-2004-0042', 'someone-else@example.org', 'opener-7', 'Ünïcødé-ü'].map(learnerSeed), [248289, 877120, 876029, 71204]);
  assert.notEqual(seed, learnerSeed('learner-2004-0042'));
  const [p] = partsFor(seed).filter((x) => x.kind !== 'choice');
  const { context, page, problems } = await openPage(env, null);
  try {
    await launchLms(page, { version: '2004', pkg: 'scorm2004', learner });
    const frame = await scoReady(page);
    assert.equal(await frame.locator(`#${p.exercise} [data-variant-label]`).textContent(), `Variant ${seed}`);
    await check(page, frame, p, p.right);
    assert.equal(await frame.locator(`[data-part="${p.id}"]`).getAttribute('data-verdict'), 'correct');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('SCORM 1.2 in a window the LMS opened (found through window.opener); 4,096 characters: a long state is deflated, a state too large even then keeps the last one that fitted', async () => {
  const learner = { id: 'opener-7', name: 'Shannon, Claude' };
  const seed = learnerSeed(learner.id);
  const [a, b] = partsFor(seed).filter((x) => x.kind !== 'choice');
  const { context, page, problems } = await openPage(env, null);
  try {
    // listening before the launch: the popup's page event may come before launchLms returns
    const popupP = context.waitForEvent('page');
    await launchLms(page, { version: '1.2', pkg: 'scorm12', learner, how: 'popup' });
    const popup = await popupP;
    popup.on('console', (m) => m.type() === 'error' && problems.push(`popup console error: ${m.text()}`));
    popup.on('pageerror', (e) => problems.push(`popup page error: ${e.message}`));
    const sco = popup.mainFrame();
    await sco.waitForFunction(() => document.documentElement.dataset.ready === 'true');

    // a long answer that compresses: kept in full, deflated
    const long = `[${Array(700).fill('0.001').join(', ')}]`;
    await check(page, sco, a, long);
    await suspended(page, a.id, long);
    let r = recorded('1.2', (await state(page)).cmi);
    assert.match(r.suspend, /^KL1z:/);
    assert.ok(r.suspend.length <= 4096);
    assert.equal(r.interactions[0].response.length, 255, 'student_response is cut to CMIString255');
    assert.ok(r.interactions[0].response.endsWith('…'));
    const fitted = r.suspend;

    // an answer that does not compress: the state no longer fits; the last one that did is kept
    let x = 7;
    const noise = Array.from({ length: 7000 }, () => ((x = (x * 1103515245 + 12345) % 2147483648), 'abcdefghijklmnopqrstuvwxyz0123456789'[x % 36])).join('');
    await check(page, sco, b, noise);
    await sco.waitForFunction(() => /keeps at most 4,096 characters of saved work/.test(document.getElementById('kl-notices').textContent));
    r = recorded('1.2', (await state(page)).cmi);
    assert.equal(r.suspend, fitted);
    assert.equal(r.interactions.length, 2, 'the check is still recorded');

    // relaunch: the long answer is back, whole
    await page.evaluate(() => window.lms.close());
    await page.waitForFunction(() => window.lms.state().terminated);
    await launchLms(page, { version: '1.2', pkg: 'scorm12', learner, saved: { suspend_data: fitted } });
    const frame = await scoReady(page);
    assert.equal(await frame.locator(`[name="${a.id}"]`).inputValue(), long);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('without an LMS the SCO is the offline notebook: it checks answers and keeps progress in the browser', async () => {
  const { context, page, problems } = await openPage(env, null);
  try {
    await page.goto(`${server.url}scorm2004/index.html`);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
    const part = page.locator('[data-part="ex8b"]');
    await part.locator('[name="ex8b"]').fill('0.0252');
    await clickCheck(part.locator('button[data-action="check"]'));
    await page.waitForFunction(() => document.querySelector('[data-part="ex8b"]').dataset.verdict === 'correct');
    assert.equal(await page.locator('[data-variant-label]').first().textContent(), 'Textbook numbers');
    await page.reload();
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
    assert.equal(await part.getAttribute('data-verdict'), 'correct');
    assert.equal(await page.locator('#kl-notices .kl-notice').count(), 0, 'nothing to say about an LMS');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
