import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { droppableMappings, waitForQuiet } from '../../src/os/startup-pages.js';

const SMAPS = `00400000-00b6f000 r--p 00000000 08:01 123  /usr/bin/node
Rss:                5940 kB
Anonymous:             0 kB
00b72000-025fe000 r-xp 00772000 08:01 123  /usr/bin/node
Rss:               16632 kB
Anonymous:             0 kB
0563a000-0563e000 r--p 05239000 08:01 123  /usr/bin/node
Rss:                  16 kB
Anonymous:            16 kB
0563e000-0565d000 rw-p 0523d000 08:01 123  /usr/bin/node
Rss:                 124 kB
Anonymous:            80 kB
02600000-02601000 r-xp 02200000 08:01 123  /usr/bin/node
Rss:                   0 kB
Anonymous:             0 kB
7f0000000000-7f0000100000 r-xp 00000000 08:01 456  /usr/lib/x86_64-linux-gnu/libc.so.6
Rss:                1440 kB
Anonymous:             0 kB
7f0000200000-7f0000300000 rw-p 00000000 00:00 0
Rss:                1024 kB
Anonymous:          1024 kB
`;

test('droppableMappings: only the file\'s read-only mappings that were never written and hold pages', () => {
  const m = droppableMappings(SMAPS, '/usr/bin/node');
  assert.deepEqual(
    m.map((x) => [x.start.toString(16), x.end.toString(16), x.rssKb]),
    [['400000', 'b6f000', 5940], ['b72000', '25fe000', 16632]],
  );
  // The RELRO region (written by the dynamic linker: anonymous pages), the writable data, the
  // empty mapping, other files and anonymous memory are all left alone.
  assert.deepEqual(droppableMappings(SMAPS, '/usr/bin/nodejs'), []);
});

/** For the child scripts below: the resident kB of the mappings of the node binary itself. */
const BINARY_KB = `
    import * as fs from 'node:fs';
    const binaryKb = () => {
      let kb = 0, cur = false;
      for (const l of fs.readFileSync('/proc/self/smaps', 'utf8').split('\\n')) {
        if (/^[0-9a-f]+-/.test(l)) cur = l.endsWith(' ' + process.execPath);
        else if (cur && l.startsWith('Rss:')) kb += Number(l.split(/\\s+/)[1]);
      }
      return kb;
    };`;

test('dropStartupPages: a Node process gives back most of its binary\'s resident pages and runs on', () => {
  const mod = path.resolve(import.meta.dirname, '../../src/os/startup-pages.js');
  const script = `
    import { dropStartupPages } from ${JSON.stringify(mod)};
    ${BINARY_KB}
    const before = binaryKb();
    const dropped = dropStartupPages();
    const after = binaryKb();
    // Work after the drop: code and data mapped back on use, with no crash.
    const text = JSON.stringify(Array.from({ length: 1000 }, (_, i) => ({ i, s: 'x'.repeat(i % 50) })));
    console.log(JSON.stringify({ before, dropped, after, ok: JSON.parse(text).length }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { before: number; dropped: number; after: number; ok: number };
  assert.equal(out.ok, 1000);
  assert.ok(out.dropped > 0, r.stdout);
  assert.ok(out.after < out.before / 2, `binary resident ${out.before} kB -> ${out.after} kB`);
});

test('waitForQuiet: true once the next timer is far enough off (or none is pending), false when no such gap comes in time', async (t) => {
  // Its polls do not hold the process open (nor do the daemon's trims): this interval does.
  const alive = setInterval(() => undefined, 1000);
  t.after(() => clearInterval(alive));
  const gaps = [1_000, 50_000, 90_000, 2_000];
  let asked = 0;
  assert.equal(await waitForQuiet(() => gaps[Math.min(asked++, gaps.length - 1)], 80_000, 1000), true);
  assert.equal(asked, 3, 'it stopped looking at the first gap long enough');
  assert.equal(await waitForQuiet(() => undefined, 80_000, 1000), true, 'no timer pending: quiet');
  asked = 0;
  assert.equal(await waitForQuiet(() => (asked++, 10_000), 80_000, 30), false);
  assert.ok(asked >= 2, 'it looked more than once before giving up');
});

test('dropStartupPagesSoon without a collection waits for a gap of DROP_QUIET_US before the next timer, then drops', () => {
  const mod = path.resolve(import.meta.dirname, '../../src/os/startup-pages.js');
  const script = `
    import { dropStartupPagesSoon, DROP_QUIET_US } from ${JSON.stringify(mod)};
    ${BINARY_KB}
    // The next timer 1 ms off for the first looks, then DROP_QUIET_US off.
    const looks = [];
    const before = binaryKb();
    let atFarGap;
    dropStartupPagesSoon({ collect: false, quietUs: () => {
      const gap = looks.length < 5 ? 1000 : DROP_QUIET_US;
      looks.push(gap);
      if (gap === DROP_QUIET_US) atFarGap = binaryKb();
      return gap;
    } }, 10);
    setTimeout(() => console.log(JSON.stringify({ looks: looks.length, before, atFarGap, after: binaryKb() })), 1500);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { looks: number; before: number; atFarGap: number; after: number };
  assert.equal(out.looks, 6, 'it looked until the gap was long enough, then stopped');
  assert.ok(out.atFarGap > out.before / 2, `nothing dropped while the gaps were short (${out.before} -> ${out.atFarGap} kB)`);
  assert.ok(out.after < out.before / 2, `dropped once the gap came (${out.before} -> ${out.after} kB)`);
});
