// SCORM packages: for each notebook, build/scorm/<notebook>-scorm2004.zip (SCORM 2004 4th edition) and
// build/scorm/<notebook>-scorm12.zip (SCORM 1.2), each an imsmanifest.xml and one SCO, index.html: the
// notebook's offline single file (offline.mjs: engine, wasm, runtime and stylesheet inline, no network,
// its strict CSP by hashes) whose script also carries the SCORM adapter (site/src/lms.mjs), with
// <meta name="kllab-scorm"> naming the version the adapter looks for first.
//
//   node site/tools/scorm.mjs [--dist site/dist] [--out build/scorm]     (`make scorm`; MASTERY=0.8)
//
// MASTERY (0..1, default 0.8; "none" for no passing mark) goes into the manifest: 1.2's
// adlcp:masteryscore (as a percentage) and 2004's primary objective (satisfiedByMeasure with
// minNormalizedMeasure); the LMS hands it to the SCO, which reports passed or failed against it.
// The zips are deterministic (fixed dates, fixed order): the same inputs give the same bytes.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { bundle } from './offline.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const xml = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const sha256 = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The SCO file's name inside each package. */
export const LAUNCH = 'index.html';

/** imsmanifest.xml for SCORM 1.2 (IMS CP 1.1.2 + ADL CP 1.2). */
export function manifest12({ id, title, mastery }) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="kllab-${xml(id)}-scorm12" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="kllab-org">
    <organization identifier="kllab-org">
      <title>${xml(title)}</title>
      <item identifier="kllab-item-${xml(id)}" identifierref="kllab-sco-${xml(id)}" isvisible="true">
        <title>${xml(title)}</title>${mastery === null ? '' : `
        <adlcp:masteryscore>${Math.round(mastery * 100)}</adlcp:masteryscore>`}
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="kllab-sco-${xml(id)}" type="webcontent" adlcp:scormtype="sco" href="${LAUNCH}">
      <file href="${LAUNCH}"/>
    </resource>
  </resources>
</manifest>
`;
}

/** imsmanifest.xml for SCORM 2004 4th edition (IMS CP 1.1.4 + ADL CP/SEQ/NAV 1.3 + IMS SS). */
export function manifest2004({ id, title, mastery }) {
  const objective =
    mastery === null
      ? ''
      : `
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="kllab-${xml(id)}-passed" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>${mastery}</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
          </imsss:objectives>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="kllab-${xml(id)}-scorm2004" version="1"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
  xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
  </metadata>
  <organizations default="kllab-org">
    <organization identifier="kllab-org">
      <title>${xml(title)}</title>
      <item identifier="kllab-item-${xml(id)}" identifierref="kllab-sco-${xml(id)}">
        <title>${xml(title)}</title>
        <imsss:sequencing>${objective}
          <imsss:deliveryControls completionSetByContent="true" objectiveSetByContent="true"/>
        </imsss:sequencing>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="kllab-sco-${xml(id)}" type="webcontent" adlcp:scormType="sco" href="${LAUNCH}">
      <file href="${LAUNCH}"/>
    </resource>
  </resources>
</manifest>
`;
}

// ---- a small zip writer (deflate, no extra fields, fixed dates) --------------------------------------

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// 2020-01-01 00:00 in MS-DOS format: a fixed date keeps the package bytes a function of its contents
const DOS_TIME = 0;
const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1;

/** A zip archive of [name, Buffer|string] entries (deflated; stored when deflate does not help). */
export function zip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, content] of entries) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    const packed = deflateRawSync(data, { level: 9 });
    const deflate = packed.length < data.length;
    const body = deflate ? packed : data;
    const fileName = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    head.writeUInt16LE(0x0800, 6); // names are UTF-8
    head.writeUInt16LE(deflate ? 8 : 0, 8);
    head.writeUInt16LE(DOS_TIME, 10);
    head.writeUInt16LE(DOS_DATE, 12);
    head.writeUInt32LE(crc, 14);
    head.writeUInt32LE(body.length, 18);
    head.writeUInt32LE(data.length, 22);
    head.writeUInt16LE(fileName.length, 26);
    head.writeUInt16LE(0, 28);
    locals.push(head, fileName, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(deflate ? 8 : 0, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    centrals.push(central, fileName);
    offset += head.length + fileName.length + body.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

// ---- the SCO -------------------------------------------------------------------------------------------

/**
 * The SCO page: the offline file with the adapter's script in place of the page script, the policy's
 * script hash updated, and the version named for the adapter.
 */
export function scoPage(offlineHTML, script, version) {
  const scripts = [...offlineHTML.matchAll(/<script>([\s\S]*?)<\/script>/g)];
  if (scripts.length !== 1) throw new Error(`the offline file has ${scripts.length} inline scripts; expected one`);
  const oldHash = sha256(scripts[0][1]);
  if (!offlineHTML.includes(oldHash)) throw new Error("the offline file's policy does not name its script's hash");
  if (/<\/script|<!--/i.test(script)) throw new Error('the SCO script contains "</script" or "<!--": it cannot be inlined');
  return offlineHTML
    .replace(oldHash, sha256(script))
    .replace(scripts[0][0], () => `<script>${script}</script>`)
    .replace('<meta charset="utf-8">', `<meta charset="utf-8">\n<meta name="kllab-scorm" content="${version}">`);
}

/**
 * Writes both packages for every offline notebook in dist.
 * @returns {Promise<string[]>} the files written
 */
export async function writeScorm({ dist = `${ROOT}site/dist/`, out = `${ROOT}build/scorm/`, wasm = `${ROOT}build/wasm/`, mastery = 0.8 } = {}) {
  dist = dist.endsWith('/') ? dist : `${dist}/`;
  out = out.endsWith('/') ? out : `${out}/`;
  if (!existsSync(`${dist}offline`)) throw new Error(`no ${dist}offline: build the site first ('make site')`);
  const script = await bundle(dist, wasm, { pageModule: './lms.mjs' });
  mkdirSync(out, { recursive: true });
  const written = [];
  for (const file of readdirSync(`${dist}offline`).filter((f) => f.endsWith('.html')).sort()) {
    const id = file.replace(/\.html$/, '');
    const { title } = JSON.parse(readFileSync(`${dist}embed/${id}.json`, 'utf8'));
    const offline = readFileSync(`${dist}offline/${file}`, 'utf8');
    for (const [version, suffix, manifest] of [['2004', 'scorm2004', manifest2004], ['1.2', 'scorm12', manifest12]]) {
      const target = `${out}${id}-${suffix}.zip`;
      writeFileSync(target, zip([['imsmanifest.xml', manifest({ id, title, mastery })], [LAUNCH, scoPage(offline, script, version)]]));
      written.push(target);
    }
  }
  return written;
}

function parseMastery(text) {
  if (text === undefined || text === '') return 0.8;
  if (text === 'none') return null;
  const x = Number(text);
  if (!(x >= 0 && x <= 1)) throw new Error(`MASTERY must be between 0 and 1, or "none" (got ${JSON.stringify(text)})`);
  return x;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name) => (args.includes(name) ? resolve(args[args.indexOf(name) + 1]) : undefined);
  try {
    const files = await writeScorm({ dist: opt('--dist'), out: opt('--out'), mastery: parseMastery(process.env.MASTERY) });
    for (const f of files) console.log(`${f.replace(ROOT, '')}  ${(readFileSync(f).length / 1024).toFixed(0)} KB`);
  } catch (e) {
    console.error(`scorm: ${e.message}`);
    process.exit(1);
  }
}
