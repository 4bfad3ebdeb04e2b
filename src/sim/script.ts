/**
 * Scripted scenarios for the simulator, in the manner of etcd raft's testdata and holo-vrrp's
 * conformance cases: a small text file a reader follows without reading code.
 *
 *   # comment
 *   node A addr=10.0.0.1 prio=150 [vrid=51] [version=3] [int=1s] [nopreempt] [preempt_delay=30s] [state=MASTER] [pass=secret]
 *          [owner_ignore_adverts] [startup_delay=5s]
 *   run 3.61s | 500ms | 100us          advance the virtual clock
 *   crash A | restart A | shutdown A    kill -9, start again, SIGTERM
 *   link A down|up                      the node's interface
 *   track A VI_1 delta=-20 [fault]      tracked objects' outcome
 *   partition A,B | C                   cells that hear only each other
 *   heal
 *   expect master 51 A                  exactly these nodes are master for VRID 51 ("none" for none)
 *   expect state A VI_1 BACKUP
 *   expect holders 51 A
 *   expect transition B VI_1 MASTER at 13.609375s
 *   expect priority B VI_1 254          the effective priority
 *
 * runScript() returns the failed expectations (empty when the case passes).
 */
import { simInstance } from './build.js';
import { Segment } from './segment.js';

const UNITS: Record<string, number> = { s: 1_000_000, ms: 1_000, us: 1 };

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|ms|us)$/.exec(text);
  if (!m) throw new SyntaxError(`bad duration '${text}' (use 3s, 500ms, 100us)`);
  return Math.round(Number(m[1]) * UNITS[m[2]!]!);
}

function options(words: readonly string[]): Map<string, string> {
  return new Map(words.map((w) => (w.includes('=') ? [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)] : [w, 'true'])));
}

export function runScript(text: string): string[] {
  const seg = new Segment({ delayUs: 100 });
  const failures: string[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const [cmd, ...args] = line.split(/\s+/) as [string, ...string[]];
    const where = `line ${i + 1} (${line})`;
    const fail = (why: string) => failures.push(`${where}: ${why}`);
    switch (cmd) {
      case 'node': {
        const [name, ...rest] = args;
        const o = options(rest);
        const version = o.get('version') === '3' ? 3 : 2;
        seg.addNode({
          name: name!,
          instances: [simInstance({
            primaryAddress: o.get('addr')!,
            basePriority: Number(o.get('prio') ?? 100),
            vrid: Number(o.get('vrid') ?? 51),
            version,
            advertIntervalUs: o.has('int') ? parseDuration(o.get('int')!) : 1_000_000,
            nopreempt: o.has('nopreempt'),
            preemptDelayUs: o.has('preempt_delay') ? parseDuration(o.get('preempt_delay')!) : 0,
            initialMaster: o.get('state') === 'MASTER',
            ...(o.has('pass') ? { authPass: o.get('pass')! } : {}),
            ownerIgnoreAdverts: o.has('owner_ignore_adverts'),
          })],
          ...(o.has('startup_delay') ? { startupDelayUs: parseDuration(o.get('startup_delay')!) } : {}),
        });
        break;
      }
      case 'run':
        seg.run(parseDuration(args[0]!));
        break;
      case 'crash':
        seg.crash(args[0]!);
        break;
      case 'restart':
        seg.restart(args[0]!);
        break;
      case 'shutdown':
        seg.shutdown(args[0]!);
        break;
      case 'link':
        seg.setInterface(args[0]!, args[1] === 'up');
        break;
      case 'track': {
        const o = options(args.slice(2));
        seg.tracking(args[0]!, args[1]!, Number(o.get('delta') ?? 0), o.has('fault'));
        break;
      }
      case 'partition':
        seg.partition(...args.join(' ').split('|').map((cell) => cell.trim().split(',').map((n) => n.trim())));
        break;
      case 'heal':
        seg.heal();
        break;
      case 'expect': {
        const [what, ...rest] = args;
        const list = (xs: string[]) => (xs.length === 0 ? 'none' : xs.sort().join(','));
        if (what === 'master' || what === 'holders') {
          const got = list(what === 'master' ? seg.masters(Number(rest[0])) : seg.holders(Number(rest[0])));
          const want = list(rest.slice(1).filter((x) => x !== 'none'));
          if (got !== want) fail(`${what} of VRID ${rest[0]} is ${got}, expected ${want}`);
        } else if (what === 'state') {
          const got = seg.stateOf(rest[0]!, rest[1]!);
          if (got !== rest[2]) fail(`state is ${got}, expected ${rest[2]}`);
        } else if (what === 'transition') {
          const [node, inst, to, at, time] = rest;
          if (at !== 'at') throw new SyntaxError(`${where}: expect transition NODE INST STATE at TIME`);
          const got = seg.lastTransition(node!, inst!, to as 'MASTER');
          const want = parseDuration(time!);
          if (got !== want) fail(`entered ${to} at ${got === undefined ? 'never' : `${got}us`}, expected ${want}us`);
        } else if (what === 'priority') {
          const got = seg.routerState(rest[0]!).instances.get(rest[1]!)?.effectivePriority;
          if (got !== Number(rest[2])) fail(`effective priority is ${got}, expected ${rest[2]}`);
        } else throw new SyntaxError(`${where}: unknown expectation '${what}'`);
        break;
      }
      default:
        throw new SyntaxError(`${where}: unknown command '${cmd}'`);
    }
  });
  return failures;
}
