// The test LMS: plays what an LMS does with a SCORM package, on the real run-time of scorm-again.
// It reads the package's imsmanifest.xml (launch file, passing mark), creates the API object of the
// package's version on its own window (API for 1.2, API_1484_11 for 2004) loaded with the learner and
// what an earlier attempt saved, and launches the SCO in a frame (optionally inside another frame, or in
// a window it opens). The test reads back what the run-time recorded through window.lms.state().
import { Scorm12API, Scorm2004API } from './scorm-again.js';

const NS = {
  '1.2': { cp: 'http://www.imsproject.org/xsd/imscp_rootv1p1p2', adlcp: 'http://www.adlnet.org/xsd/adlcp_rootv1p2' },
  2004: { cp: 'http://www.imsglobal.org/xsd/imscp_v1p1', imsss: 'http://www.imsglobal.org/xsd/imsss' },
};

let api = null;
let frame = null;
let popup = null;
const calls = [];

/** The launch file and passing mark of a package, as an LMS reads them from its manifest. */
async function readManifest(pkg, version) {
  const doc = new DOMParser().parseFromString(await (await fetch(`${pkg}/imsmanifest.xml`)).text(), 'application/xml');
  const ns = NS[version];
  const orgs = doc.getElementsByTagNameNS(ns.cp, 'organizations')[0];
  const org = [...doc.getElementsByTagNameNS(ns.cp, 'organization')].find((o) => o.getAttribute('identifier') === orgs.getAttribute('default'));
  const item = org.getElementsByTagNameNS(ns.cp, 'item')[0];
  const res = [...doc.getElementsByTagNameNS(ns.cp, 'resource')].find((r) => r.getAttribute('identifier') === item.getAttribute('identifierref'));
  let passing = null;
  if (version === '1.2') passing = item.getElementsByTagNameNS(ns.adlcp, 'masteryscore')[0]?.textContent ?? null;
  else passing = item.getElementsByTagNameNS(ns.imsss, 'minNormalizedMeasure')[0]?.textContent ?? null;
  return { href: `${pkg}/${res.getAttribute('href')}`, passing };
}

window.lms = {
  /**
   * Launches a package. saved: {suspend_data} of an earlier attempt (entry = resume), or null.
   * how: 'frame' | 'nested' | 'popup'
   */
  async launch({ version, pkg, learner, saved = null, how = 'frame' }) {
    const { href, passing } = await readManifest(pkg, version);
    const settings = { autocommit: false, logLevel: 5 };
    calls.length = 0;
    if (version === '2004') {
      api = new Scorm2004API(settings);
      const data = { learner_id: learner.id, learner_name: learner.name };
      if (passing !== null) data.scaled_passing_score = passing;
      if (saved) Object.assign(data, { suspend_data: saved.suspend_data, entry: 'resume' });
      api.loadFromJSON(data);
      window.API_1484_11 = api;
      for (const fn of ['Initialize', 'Commit', 'Terminate']) api.on(fn, () => calls.push(fn));
    } else {
      api = new Scorm12API(settings);
      const data = { core: { student_id: learner.id, student_name: learner.name } };
      if (passing !== null) data.student_data = { mastery_score: passing };
      if (saved) Object.assign(data, { suspend_data: saved.suspend_data }, { core: { ...data.core, entry: 'resume' } });
      api.loadFromJSON(data);
      window.API = api;
      for (const fn of ['LMSInitialize', 'LMSCommit', 'LMSFinish']) api.on(fn, () => calls.push(fn));
    }
    if (how === 'popup') {
      popup = window.open(href, 'sco');
      return;
    }
    frame = document.createElement('iframe');
    frame.id = 'sco';
    frame.title = 'course content';
    frame.width = '1050';
    frame.height = '850';
    frame.src = how === 'nested' ? `wrap.html?src=${encodeURIComponent(new URL(href, location.href).href)}` : href;
    document.getElementById('player').replaceChildren(frame);
  },
  /** What the run-time holds now. */
  state() {
    return {
      cmi: JSON.parse(JSON.stringify(api.renderCMIToJSONObject())).cmi,
      initialized: api.isInitialized(),
      terminated: api.isTerminated(),
      calls: [...calls],
    };
  },
  /** How many interactions the run-time holds. */
  interactions() {
    return api.cmi.interactions.childArray.length;
  },
  /** The learner leaves: the LMS removes the SCO's frame (or the window closes). */
  close() {
    if (popup) {
      popup.close();
      popup = null;
    }
    frame?.remove();
    frame = null;
  },
};
document.documentElement.dataset.lms = 'ready';
