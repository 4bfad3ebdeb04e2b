/**
 * The tracking cases the differential test runs through Keepalived 2.2.7 and keepalived-ts
 * (track-differential.test.ts): one vrrp_instance per case, alone on its VRID, so every case is
 * a master unless tracking says otherwise. Each case says what it tracks and, optionally, what
 * changes between the two snapshots; the expected outcome is whatever Keepalived does.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What a case may touch: the shared scratch directory and each daemon's host. */
export interface World {
  readonly dir: string;
  /** Runs a command in both daemons' hosts (interfaces are per host). */
  inBoth(cmd: string, ...args: string[]): Promise<void>;
  /** A link `name` in both hosts, down (a veth whose peer is up: no dummy driver in every kernel). */
  addLink(name: string): Promise<void>;
  /** Starts a long-running process on the machine under the name `name` (both daemons see it). */
  startProcess(name: string): void;
  stopProcess(name: string): void;
}

export interface TrackCase {
  /** The instance's name (and the prefix of its objects' names). */
  readonly id: string;
  readonly what: string;
  readonly priority?: number;
  /** Top-level blocks (vrrp_script, vrrp_track_file, vrrp_track_process). */
  readonly defs?: (w: World) => string;
  /** Lines inside the vrrp_instance. */
  readonly track?: (w: World) => string;
  /** A sync group of this instance and a twin (`<id>b`), with these lines in the group. */
  readonly group?: (w: World) => string;
  readonly setup?: (w: World) => Promise<void> | void;
  /** Between the first and the second snapshot. */
  readonly change?: (w: World) => Promise<void> | void;
  /**
   * Where keepalived-ts deliberately ends elsewhere: why, and what it shows at each snapshot
   * ("STATE effective wire PRIO") instead of Keepalived's answer.
   */
  readonly differs?: { readonly why: string; readonly ours: readonly [string, string] };
}

/**
 * Keepalived learns of processes from the kernel's process connector, which answers only in the
 * initial network namespace ("Failed to set/clear process event listen - errno 111"): in a
 * namespace it counts no process at all, running or not. keepalived-ts scans /proc and counts them.
 */
const BLIND = 'Keepalived counts no process inside a network namespace (its process connector is refused there); keepalived-ts does';

const script = (name: string, body: string) => `vrrp_script ${name} {\n${body}\n}\n`;
const flag = (w: World, id: string) => path.join(w.dir, `${id}.flag`);
const valueFile = (w: World, id: string) => path.join(w.dir, `${id}.value`);
const trackFile = (id: string, w: World, extra = '') => `vrrp_track_file ${id}_f {\n  file ${valueFile(w, id)}\n${extra}}\n`;
const proc = (w: World, id: string) => `kp${path.basename(w.dir).slice(-5)}${id.slice(1, 3)}`;

export const CASES: readonly TrackCase[] = [
  {
    id: 'c01', what: 'script succeeds, weight +10',
    defs: () => script('c01_s', '  script "/usr/bin/true"\n  interval 1\n  weight 10'),
    track: () => 'track_script {\n    c01_s\n  }',
  },
  {
    id: 'c02', what: 'script fails, weight -10',
    defs: () => script('c02_s', '  script "/usr/bin/false"\n  interval 1\n  weight -10'),
    track: () => 'track_script {\n    c02_s\n  }',
  },
  {
    id: 'c03', what: 'script fails, weight -10, fall 3 rise 2',
    defs: () => script('c03_s', '  script "/usr/bin/false"\n  interval 1\n  weight -10\n  fall 3\n  rise 2'),
    track: () => 'track_script {\n    c03_s\n  }',
  },
  {
    id: 'c04', what: 'script succeeds, weight +10 reverse',
    defs: () => script('c04_s', '  script "/usr/bin/true"\n  interval 1\n  weight 10 reverse'),
    track: () => 'track_script {\n    c04_s\n  }',
  },
  {
    id: 'c05', what: 'script succeeds, weight 3 overridden in track_script by weight 7',
    defs: () => script('c05_s', '  script "/usr/bin/true"\n  interval 1\n  weight 3'),
    track: () => 'track_script {\n    c05_s weight 7\n  }',
  },
  {
    id: 'c06', what: 'script fails, weight 0: FAULT',
    defs: () => script('c06_s', '  script "/usr/bin/false"\n  interval 1\n  weight 0'),
    track: () => 'track_script {\n    c06_s\n  }',
  },
  {
    id: 'c07', what: 'script through the /bin symbolic link (merged /usr), weight +10',
    defs: () => script('c07_s', '  script "/bin/true"\n  interval 1\n  weight 10'),
    track: () => 'track_script {\n    c07_s\n  }',
  },
  {
    id: 'c08', what: 'script fails, weight -10 reverse: up by 10',
    defs: () => script('c08_s', '  script "/usr/bin/false"\n  interval 1\n  weight -10 reverse'),
    track: () => 'track_script {\n    c08_s\n  }',
  },
  {
    id: 'c09', what: 'two scripts summed: +10 succeeds, -5 fails',
    defs: () => script('c09_a', '  script "/usr/bin/true"\n  interval 1\n  weight 10') + script('c09_b', '  script "/usr/bin/false"\n  interval 1\n  weight -5'),
    track: () => 'track_script {\n    c09_a\n    c09_b\n  }',
  },
  {
    id: 'c10', what: 'flag script, weight -20, fall 2 rise 2: good, then failing after the flag goes',
    defs: (w) => script('c10_s', `  script "/usr/bin/test -f ${flag(w, 'c10')}"\n  interval 1\n  weight -20\n  fall 2\n  rise 2`),
    track: () => 'track_script {\n    c10_s\n  }',
    setup: (w) => fs.writeFileSync(flag(w, 'c10'), ''),
    change: (w) => fs.rmSync(flag(w, 'c10')),
  },
  {
    id: 'c11', what: 'flag script, weight +20: failing, then succeeding once the flag comes',
    defs: (w) => script('c11_s', `  script "/usr/bin/test -f ${flag(w, 'c11')}"\n  interval 1\n  weight 20`),
    track: () => 'track_script {\n    c11_s\n  }',
    change: (w) => fs.writeFileSync(flag(w, 'c11'), ''),
  },
  {
    id: 'c12', what: 'script times out (sleep 5, timeout 1), weight -10',
    defs: () => script('c12_s', '  script "/usr/bin/sleep 5"\n  interval 2\n  timeout 1\n  weight -10'),
    track: () => 'track_script {\n    c12_s\n  }',
  },
  {
    id: 'c13', what: 'script without a first result yet (sleep 60), weight +10',
    defs: () => script('c13_s', '  script "/usr/bin/sleep 60"\n  interval 90\n  timeout 80\n  weight 10'),
    track: () => 'track_script {\n    c13_s\n  }',
  },
  {
    id: 'c14', what: 'script without a first result yet (sleep 60), weight 0',
    defs: () => script('c14_s', '  script "/usr/bin/sleep 60"\n  interval 90\n  timeout 80\n  weight 0'),
    track: () => 'track_script {\n    c14_s\n  }',
  },
  {
    id: 'c15', what: 'priority 250, weight +10: clamped to 254',
    priority: 250,
    defs: () => script('c15_s', '  script "/usr/bin/true"\n  interval 1\n  weight 10'),
    track: () => 'track_script {\n    c15_s\n  }',
  },
  {
    id: 'c16', what: 'priority 5, weight -10: clamped to 1',
    priority: 5,
    defs: () => script('c16_s', '  script "/usr/bin/false"\n  interval 1\n  weight -10'),
    track: () => 'track_script {\n    c16_s\n  }',
  },
  {
    id: 'c17', what: 'init_fail script that succeeds, weight -10, rise 2',
    defs: () => script('c17_s', '  script "/usr/bin/true"\n  interval 1\n  weight -10\n  rise 2\n  init_fail'),
    track: () => 'track_script {\n    c17_s\n  }',
  },
  {
    id: 'c18', what: 'track_file holding 5, weight 3; then -2',
    defs: (w) => trackFile('c18', w, '  weight 3\n'),
    track: () => 'track_file {\n    c18_f\n  }',
    setup: (w) => fs.writeFileSync(valueFile(w, 'c18'), '5\n'),
    change: (w) => fs.writeFileSync(valueFile(w, 'c18'), '-2\n'),
  },
  {
    id: 'c19', what: 'track_file weight 0 holding 1 (FAULT), then 0',
    defs: (w) => trackFile('c19', w, '  weight 0\n'),
    track: () => 'track_file {\n    c19_f\n  }',
    setup: (w) => fs.writeFileSync(valueFile(w, 'c19'), '1\n'),
    change: (w) => fs.writeFileSync(valueFile(w, 'c19'), '0\n'),
  },
  {
    id: 'c20', what: 'track_file holding 4, weight 5 reverse',
    defs: (w) => trackFile('c20', w, '  weight 5 reverse\n'),
    track: () => 'track_file {\n    c20_f\n  }',
    setup: (w) => fs.writeFileSync(valueFile(w, 'c20'), '4\n'),
  },
  {
    id: 'c21', what: 'track_file weight 1 overridden in the instance by weight 2, holding 6',
    defs: (w) => trackFile('c21', w, '  weight 1\n'),
    track: () => 'track_file {\n    c21_f weight 2\n  }',
    setup: (w) => fs.writeFileSync(valueFile(w, 'c21'), '6\n'),
  },
  {
    id: 'c22', what: 'track_interface down, weight -20; then up',
    track: () => 'track_interface {\n    t22 weight -20\n  }',
    setup: async (w) => {
      await w.addLink('t22');
    },
    change: (w) => w.inBoth('ip', 'link', 'set', 't22', 'up'),
  },
  {
    id: 'c23', what: 'track_interface down, weight 0 (FAULT); then up',
    track: () => 'track_interface {\n    t23\n  }',
    setup: (w) => w.addLink('t23'),
    change: (w) => w.inBoth('ip', 'link', 'set', 't23', 'up'),
  },
  {
    id: 'c24', what: 'track_interface up, weight +15; then down',
    track: () => 'track_interface {\n    t24 weight 15\n  }',
    setup: async (w) => {
      await w.addLink('t24');
      await w.inBoth('ip', 'link', 'set', 't24', 'up');
    },
    change: (w) => w.inBoth('ip', 'link', 'set', 't24', 'down'),
  },
  {
    id: 'c25', what: 'track_process of an absent process, weight -15',
    defs: (w) => `vrrp_track_process c25_p {\n  process ${proc(w, 'c25')}\n  weight -15\n}\n`,
    track: () => 'track_process {\n    c25_p\n  }',
  },
  {
    id: 'c26', what: 'track_process quorum 2 with one process running, weight -15',
    defs: (w) => `vrrp_track_process c26_p {\n  process ${proc(w, 'c26')}\n  weight -15\n  quorum 2\n}\n`,
    track: () => 'track_process {\n    c26_p\n  }',
    setup: (w) => w.startProcess(proc(w, 'c26')),
    change: (w) => w.startProcess(proc(w, 'c26')),
    differs: { why: BLIND, ours: ['MASTER 85 wire 85', 'MASTER 100 wire 100'] },
  },
  {
    id: 'c27', what: 'track_process of a running process, weight +12',
    defs: (w) => `vrrp_track_process c27_p {\n  process ${proc(w, 'c27')}\n  weight 12\n}\n`,
    track: () => 'track_process {\n    c27_p\n  }',
    setup: (w) => w.startProcess(proc(w, 'c27')),
    change: (w) => w.stopProcess(proc(w, 'c27')),
    differs: { why: BLIND, ours: ['MASTER 112 wire 112', 'MASTER 100 wire 100'] },
  },
  {
    id: 'c28', what: 'sync group tracking a failing script, weight -10',
    defs: () => script('c28_s', '  script "/usr/bin/false"\n  interval 1\n  weight -10'),
    group: () => 'track_script {\n    c28_s\n  }',
  },
  {
    id: 'c29', what: 'sync group tracking a failing script, weight 0',
    defs: () => script('c29_s', '  script "/usr/bin/false"\n  interval 1\n  weight 0'),
    group: () => 'track_script {\n    c29_s\n  }',
  },
  {
    id: 'c30', what: 'sync group tracking an interface that is down',
    group: () => 'track_interface {\n    t30\n  }',
    setup: (w) => w.addLink('t30'),
  },
];
