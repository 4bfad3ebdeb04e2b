/**
 * `keepalived-ts lab up|down|status|fail HOST|heal HOST|stop WEB|start WEB|traffic [--seconds N]`:
 * seed 004's pair of directors in front of two web servers, in network namespaces that stay up
 * between commands, to try failover by hand (topology: lab-topology.ts; what it made: lab.json,
 * lab-state.ts; lab-up.ts builds it; traffic: lab-traffic.ts). Every command works from the state
 * file; `down` also from the name prefix alone, so a crashed `up` can always be cleaned away.
 * Where it cannot run (not root, no `ip netns`) it says so and exits 1; usage errors exit 2.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { labDown, type LabOut } from './lab-down.js';
import { ensureDir, isAlive, LabError, withLock, labPlace, readState, writeState, type LabPlace, type LabState } from './lab-state.js';
import { binPath, CHECK_BOUND_S, ip, killAll, listNamespaces, namespaceOf, portUp, vipHolders, WEBS } from './lab-topology.js';
import { labUp, startWeb } from './lab-up.js';
import { parseTraffic, runTraffic, type TrafficOptions } from './lab-traffic.js';

const USAGE = `Usage: keepalived-ts lab up|down|status
       keepalived-ts lab fail HOST | heal HOST     (HOST: lb1 lb2 web1 web2 client)
       keepalived-ts lab stop WEB | start WEB      (WEB: web1 web2)
       keepalived-ts lab traffic [--seconds N (10, at most 300)] [--json]
Environment: KEEPALIVED_TS_LAB_PREFIX (namespace names, default ktslab-), KEEPALIVED_TS_LAB_DIR (state, default /run/keepalived-ts/lab)
`;

/** Why the lab cannot run here, if it cannot. */
async function unavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root (it makes network namespaces): run it with sudo';
  try {
    await ip('netns', 'list');
  } catch (e) {
    return `\`ip netns\` does not work here (${(e as Error).message.split('\n')[0]}); install iproute2`;
  }
  return undefined;
}

export async function runLab(argv: readonly string[], out: LabOut): Promise<number> {
  const [action, arg, ...rest] = argv;
  const usage = (m: string) => (out.stderr(`keepalived-ts lab: ${m}\n${USAGE}`), 2);
  if (action === undefined || action === '-h' || action === '--help') return action ? (out.stdout(USAGE), 0) : usage('which action?');
  if (!['up', 'down', 'status', 'fail', 'heal', 'stop', 'start', 'traffic'].includes(action)) return usage(`unknown action '${action}'`);
  const traffic = action === 'traffic' ? parseTraffic(argv.slice(1)) : undefined;
  if (typeof traffic === 'string') return usage(traffic);
  const why = await unavailable();
  if (why) {
    out.stderr(`keepalived-ts lab: ${why}\n`);
    return 1;
  }
  try {
    const place = labPlace();
    ensureDir(place.dir);
    // status and traffic only read; the others change the lab, one command at a time.
    if (action === 'status' || action === 'traffic') return await act(place, action, arg, rest, traffic, out, usage);
    const code = await withLock(place.dir, () => act(place, action, arg, rest, traffic, out, usage));
    if (action === 'down') {
      try {
        fs.rmdirSync(place.dir);
      } catch {
        /* not empty (someone else's files): left as it is */
      }
    }
    return code;
  } catch (e) {
    if (e instanceof LabError) {
      out.stderr(`keepalived-ts lab: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

async function act(place: LabPlace, action: string, arg: string | undefined, rest: readonly string[], traffic: TrafficOptions | undefined, out: LabOut, usage: (m: string) => number): Promise<number> {
  switch (action) {
    case 'up':
      return arg === undefined ? await labUp(place, out) : usage(`up takes no argument`);
    case 'down':
      return arg === undefined ? await labDown(place, out) : usage(`down takes no argument`);
    case 'traffic':
      return await runTraffic(mustHave(place), traffic!, out);
    case 'status':
      return arg === undefined ? await labStatus(mustHave(place), out) : usage(`status takes no argument`);
    case 'fail':
    case 'heal': {
      const s = mustHave(place);
      if (arg === undefined || rest.length > 0 || !s.hosts[arg]) return usage(`${action} which host? (${Object.keys(s.hosts).join(', ')})`);
      await ip('-n', s.switchNs, 'link', 'set', s.hosts[arg].port, action === 'fail' ? 'down' : 'up');
      out.stdout(`${arg}: link ${action === 'fail' ? 'down (its switch port is off: the cable is pulled)' : 'up (its cable is back)'}\n`);
      return 0;
    }
    default:
      return await stopStart(mustHave(place), action as 'stop' | 'start', arg, rest, out, usage);
  }
}

function mustHave(place: LabPlace): LabState {
  const s = readState(place.dir);
  if (!s) throw new LabError(`no lab is up (no ${path.join(place.dir, 'lab.json')}): run \`keepalived-ts lab up\``);
  return s;
}

async function stopStart(s: LabState, action: 'stop' | 'start', web: string | undefined, rest: readonly string[], out: LabOut, usage: (m: string) => number): Promise<number> {
  if (web === undefined || rest.length > 0 || !(WEBS as readonly string[]).includes(web)) return usage(`${action} which web server? (${WEBS.join(', ')})`);
  const rec = s.webs[web]!;
  const running = rec.pid !== undefined && isAlive(rec.pid) && (await namespaceOf(rec.pid)) === s.hosts[web]!.ns;
  if (action === 'stop') {
    if (running) await killAll([rec.pid!]);
    writeState(s.dir, { ...s, webs: { ...s.webs, [web]: { log: rec.log, realserverState: rec.realserverState } } });
    out.stdout(running ? `${web}: web server stopped (the directors' HTTP_GET takes it out of the pool within ${CHECK_BOUND_S} s)\n` : `${web}: web server was not running\n`);
    return 0;
  }
  if (running) {
    out.stdout(`${web}: web server already running (pid ${rec.pid})\n`);
    return 0;
  }
  const pid = await startWeb(s.hosts[web]!.ns, web, rec.log);
  writeState(s.dir, { ...s, webs: { ...s.webs, [web]: { ...rec, pid } } });
  out.stdout(`${web}: web server started (pid ${pid}); the directors put it back after its next good check\n`);
  return 0;
}

async function labStatus(s: LabState, out: LabOut): Promise<number> {
  const have = new Set(await listNamespaces());
  out.stdout(`lab ${s.prefix}* (state ${path.join(s.dir, 'lab.json')})${s.complete ? '' : ': `up` did not finish, run `keepalived-ts lab down`'}\n`);
  for (const [host, h] of Object.entries(s.hosts)) {
    const link = have.has(h.ns) ? ((await portUp(s.switchNs, h.port)) ? 'link up' : 'LINK DOWN') : 'NAMESPACE GONE';
    const pid = s.daemons[host]?.pid ?? s.webs[host]?.pid;
    const what = s.daemons[host] ? 'keepalived-ts' : s.webs[host] ? 'web server' : '';
    const proc = what ? `, ${what} ${pid !== undefined && isAlive(pid) ? `running (pid ${pid})` : 'STOPPED'}` : '';
    out.stdout(`  ${host.padEnd(7)} ${h.ns.padEnd(20)} ${h.address.padEnd(13)} ${link}${proc}\n`);
  }
  const holders = await vipHolders(s);
  out.stdout(`VIP ${s.vip} held by ${holders.length ? holders.join(' and ') : 'nobody'}\n`);
  for (const [host, d] of Object.entries(s.daemons)) {
    out.stdout(`--- ${host}: keepalived-ts status -p ${d.pidFile}\n`);
    const text = await new Promise<string>((resolve) => {
      execFile(process.execPath, [binPath, 'status', '-p', d.pidFile], (err, stdout, stderr) => resolve((stdout + stderr).trim() || (err?.message ?? '')));
    });
    out.stdout(text.split('\n').map((l) => `    ${l}`).join('\n') + '\n');
  }
  return 0;
}
