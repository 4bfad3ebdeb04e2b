/**
 * keepalived_check.data (SIGUSR1 to the checker process): the virtual servers with their live
 * state, in the lines and wording of Keepalived's dump_vs() / dump_rs() (check/check_data.c).
 * The runtime part (alive, effective weight, failed checkers, quorum) is what operators read it
 * for; the static configuration part is a subset.
 */
import type { KeepalivedConfig } from '../../config/model.js';
import { formatRs, formatVs } from '../../config/sections/lvs-format.js';
import { realWeight } from '../../lb/pool.js';
import type { CheckRuntime } from './runtime.js';

const fmt = (seconds: number) => (Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(6).replace(/0+$/, ''));

export function formatCheckData(config: KeepalivedConfig, rt: Pick<CheckRuntime, 'poolState'>): string {
  const out: string[] = ['------< Health checkers >------'];
  config.virtual_server.forEach((vs, v) => {
    const st = rt.poolState(v);
    out.push(' ------< Virtual server >------');
    if (vs.group !== undefined) out.push(` VS GROUP = ${formatVs(vs)}`);
    else if (vs.fwmark !== undefined) out.push(` VS FWMARK = ${vs.fwmark}`);
    else out.push(` VS VIP = ${vs.ip}, VPORT = ${vs.port}`);
    out.push(`   delay_loop = ${fmt(vs.delay_loop)}`, `   lvs_sched = ${vs.lvs_sched}`, `   protocol = ${vs.protocol ?? 'none'}`);
    if (vs.persistence_timeout !== undefined) out.push(`   persistence timeout = ${vs.persistence_timeout}`);
    out.push(`   alpha is ${vs.alpha ? 'ON' : 'OFF'}`, `   omega is ${vs.omega ? 'ON' : 'OFF'}`);
    out.push(`   quorum = ${vs.quorum}, hysteresis = ${vs.hysteresis}`);
    if (vs.sorry_server) {
      out.push(`   sorry server = ${formatRs(vs.sorry_server, vs)}`, `     alive = ${st.sorryAlive ? 1 : 0}`);
    }
    out.push(`   quorum_state_up = ${st.quorumUp ? 1 : 0}`);
    vs.real_server.forEach((rs, i) => {
      const live = st.rs[i]!;
      out.push('   ------< Real server >------');
      out.push(`   RIP = ${rs.ip}, RPORT = ${rs.port}, WEIGHT = ${realWeight(live.weight)} EFF WEIGHT = ${live.weight}`);
      out.push(`   Alpha is ${rs.alpha ? 'ON' : 'OFF'}`, `   Inhibit on failure is ${rs.inhibit_on_failure ? 'ON' : 'OFF'}`);
      out.push(`   initial weight = ${rs.weight}`, `   effective weight = ${live.weight}`);
      out.push(`   alive = ${live.alive ? 1 : 0}`, `   num failed checkers = ${live.failed}`);
    });
  });
  return out.join('\n') + '\n';
}
