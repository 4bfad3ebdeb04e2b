/**
 * `keepalived-ts realserver start|stop|status --vip ADDR [--vip ADDR...] [--dev lo] [--state FILE]`:
 * the DR real server's side (lb/realserver.ts plans, os/realserver.ts applies). start puts each
 * VIP on the device and quiets ARP about it, recording what it changed in the state file
 * (default /run/keepalived-ts/realserver.json); stop gives back what was recorded (with --vip,
 * those addresses only); status prints each item and exits 0 when all are in place, 3 otherwise
 * (LSB's "not running"). Usage errors exit 2, failures 1.
 */
import { planStart, planStop, realserverStatus, RealserverError, sysctlName, wantedSysctls, type RealserverStep } from '../lb/realserver.js';
import { applySteps, DEFAULT_REALSERVER_STATE, readHost, readRecord, RealserverHostError, writeRecord } from '../os/realserver.js';
import type { Out } from './config-command.js';

const USAGE = 'Usage: keepalived-ts realserver start|stop|status --vip ADDR [--vip ADDR...] [--dev DEV (lo)] [--state FILE]\n';
const PREFIX = 'keepalived-ts realserver: ';

interface Args {
  readonly action: 'start' | 'stop' | 'status';
  readonly vips: string[];
  readonly dev?: string;
  readonly state: string;
}

function parse(argv: readonly string[]): Args | string {
  const action = argv[0];
  if (action !== 'start' && action !== 'stop' && action !== 'status') return action === undefined ? 'start, stop or status?' : `unknown action ${action}`;
  const vips: string[] = [];
  let dev: string | undefined;
  let state = DEFAULT_REALSERVER_STATE;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (name !== '--vip' && name !== '--dev' && name !== '--state') return `unknown option ${a}`;
    const value = eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') return `${name} needs a value`;
    if (name === '--vip') vips.push(value);
    else if (name === '--dev') dev = value;
    else state = value;
  }
  if (action === 'start' && vips.length === 0) return 'start needs at least one --vip';
  return { action, vips, ...(dev !== undefined ? { dev } : {}), state };
}

function describe(s: RealserverStep, was: Readonly<Record<string, string>>): string {
  if (s.kind === 'addr-add') return `added ${s.address} on ${s.dev}`;
  if (s.kind === 'addr-del') return `removed ${s.address} from ${s.dev}`;
  return `${sysctlName(s.key)} = ${s.value}${was[s.key] !== undefined ? ` (was ${was[s.key]})` : ''}`;
}

export async function runRealserver(argv: readonly string[], out: Out): Promise<number> {
  const args = parse(argv);
  if (typeof args === 'string') {
    out.stderr(`${PREFIX}${args}\n${USAGE}`);
    return 2;
  }
  try {
    const record = readRecord(args.state);
    const dev = args.dev ?? record?.dev ?? 'lo';
    const host = await readHost(dev, wantedSysctls(dev).map(([k]) => k));
    if (args.action === 'status') {
      const vips = args.vips.length > 0 ? args.vips : (record?.added ?? []).map((a) => a.split('/')[0]!);
      const items = realserverStatus(vips, dev, host);
      for (const i of items) out.stdout(`${i.inPlace ? 'in place' : 'missing '}  ${i.what}\n`);
      return items.every((i) => i.inPlace) ? 0 : 3;
    }
    const plan = args.action === 'start' ? planStart(args.vips, dev, host, record) : planStop(host, record, args.vips);
    // Recorded before it is done: a start that fails half-way still leaves stop its record (stop
    // skips what is not in place, and restores only values that are still what start set).
    if (args.action === 'start') writeRecord(args.state, plan.record);
    await applySteps(plan.steps);
    if (args.action === 'stop') writeRecord(args.state, plan.record);
    for (const n of plan.notes) out.stderr(`${PREFIX}${n}\n`);
    for (const s of plan.steps) out.stdout(`${describe(s, host.sysctls)}\n`);
    if (plan.steps.length === 0) out.stdout(args.action === 'start' ? 'all in place already\n' : 'nothing to undo\n');
    return 0;
  } catch (e) {
    if (e instanceof RealserverError || e instanceof RealserverHostError) {
      out.stderr(`${PREFIX}${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
