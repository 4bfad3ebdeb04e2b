/**
 * The announced addresses as routes in a kernel routing table (--bgp-table N): `blackhole
 * ADDR/32 table N proto keepalived`. A routing daemon picks them up from there (FRR: `ip
 * import-table N` + `redistribute table N`; BIRD: `protocol kernel { kernel table N; learn; }`)
 * and announces them by BGP. Blackhole, because the route only carries the prefix to the daemon:
 * no packet is routed by table N (no rule points at it), and a blackhole needs no interface or
 * gateway, which both daemons accept. Proto keepalived (18): FRR sweeps routes of its own protos
 * at start and BIRD ignores proto kernel ones; 18 is neither, and it names who put it there.
 */
import { runIp, type IpOptions } from './ip-command.js';

export interface BgpRoutes {
  /** The `proto keepalived` host prefixes now in the table (both families). */
  list(): Promise<string[]>;
  add(prefix: string): Promise<void>;
  remove(prefix: string): Promise<void>;
}

const PROTO = 'keepalived';

export function kernelBgpRoutes(table: number, o: IpOptions = {}): BgpRoutes {
  const t = String(table);
  const fam = (p: string) => (p.includes(':') ? '-6' : '-4');
  const must = async (args: string[], benign?: RegExp) => {
    const r = await runIp(o, args);
    if (r.code !== 0 && !(benign && benign.test(r.stderr))) throw new Error(`'ip ${args.join(' ')}' failed: ${r.stderr.trim()}`);
  };
  return {
    async list() {
      const out: string[] = [];
      for (const f of ['-4', '-6']) {
        const r = await runIp(o, [f, '-j', 'route', 'show', 'table', t, 'proto', PROTO]);
        // A table nothing was ever put in does not exist yet: empty.
        if (r.code !== 0 && /table does not exist/i.test(r.stderr)) continue;
        if (r.code !== 0) throw new Error(`'ip ${f} route show table ${t}' failed: ${r.stderr.trim()}`);
        const routes = (r.stdout.trim() === '' ? [] : JSON.parse(r.stdout)) as Array<{ dst?: string }>;
        for (const x of routes) {
          if (x.dst === undefined || x.dst === 'default') continue;
          out.push(x.dst.includes('/') ? x.dst : `${x.dst}/${f === '-6' ? 128 : 32}`);
        }
      }
      return out;
    },
    // replace: a blackhole of another proto at the same prefix becomes ours rather than failing.
    add: (p) => must([fam(p), 'route', 'replace', 'blackhole', p, 'table', t, 'proto', PROTO]),
    remove: (p) => must([fam(p), 'route', 'del', p, 'table', t, 'proto', PROTO], /No such process|not found/i),
  };
}
