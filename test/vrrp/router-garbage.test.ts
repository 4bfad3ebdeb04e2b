/**
 * What the engine leaves for V8's old generation. A master's advert step makes garbage that
 * should die young; what the scavenger promotes instead piles up until a full collection (the
 * VRRP child's RSS saw and its CPU, issue 13). Measured in a Node of its own with the VRRP
 * child's nursery (--max-semi-space-size=1), from V8's own account of each scavenge.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { repo } from '../paths.js';

const ROUTER = path.join(repo, 'dist/src/vrrp/router.js');
const SIM = path.join(repo, 'dist/src/sim/build.js');

/** 100 masters at 100 ms, 3,000 timer batches (300,000 adverts) on a simulated clock. */
const SCRIPT = `
import { simInstance } from ${JSON.stringify(SIM)};
import { initialRouterState, stepAll } from ${JSON.stringify(ROUTER)};
const instances = [];
for (let i = 1; i <= 100; i++) instances.push({ ...simInstance({ primaryAddress: '10.0.0.1' }), name: 'VI_' + i, vrid: i, version: 3, basePriority: 200, advertIntervalUs: 100000, initialMaster: true });
const p = { instances, groups: [] };
let now = 1000000;
let s = stepAll(p, initialRouterState(p), 'start', now).state;
let adverts = 0;
for (let k = 0; k < 3000; k++) {
  now += 100000;
  const r = stepAll(p, s, 'timer', now);
  s = r.state;
  for (const a of r.actions) if (a.kind === 'send_advert') adverts++;
}
console.log('adverts=' + adverts);
`;

test('a master router step leaves nothing for the old generation: 300,000 adverts promote under 2 MB', () => {
  const r = spawnSync(process.execPath, ['--max-semi-space-size=1', '--trace-gc-nvp', '--input-type=module', '-e', SCRIPT], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // The run did the work: every master sent an advert in (nearly) every batch.
  const adverts = Number(/^adverts=(\d+)$/m.exec(r.stdout)?.[1]);
  assert.ok(adverts >= 299_000, `${adverts} adverts`);
  const scavenges = r.stdout.split('\n').filter((l) => /\bgc=s\b/.test(l));
  assert.ok(scavenges.length > 50, `only ${scavenges.length} scavenges: the nursery flag did not apply`);
  const promoted = scavenges.reduce((sum, l) => sum + Number(/ promoted=(\d+)/.exec(l)?.[1] ?? NaN), 0);
  assert.ok(Number.isFinite(promoted), 'V8 no longer prints promoted= per scavenge');
  // 0.3 MB measured; a copy of each action ({ ...a, instance }) promoted 28.8 MB.
  assert.ok(promoted < 2_000_000, `${(promoted / 1e6).toFixed(1)} MB promoted in ${scavenges.length} scavenges`);
});
