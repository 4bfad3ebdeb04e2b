/**
 * The VRRP child's answers to Keepalived's dump signals: USR1 writes keepalived.data, USR2
 * keepalived.stats, 36 keepalived.json, 63 keepalived.stats and then clears the counters.
 */
import * as os from 'node:os';
import type { KeepalivedConfig } from '../config/model.js';
import { onSignalNumber, SIG_JSON, SIG_STATS_CLEAR } from '../os/rt-signals.js';
import type { Clock } from '../base/clock.js';
import { TransitionClock, wallNowUs, type DumpInput, type ScriptStatus, type StatsBaseline } from './dump/common.js';
import { formatData } from './dump/data.js';
import { formatJson } from './dump/json.js';
import { formatStats, statsClear } from './dump/stats.js';
import { writeDump } from './dump/writer.js';
import type { Logger } from '../base/log.js';
import type { VrrpDriver } from './vrrp/driver.js';

export class VrrpDumps {
  readonly transitions = new TransitionClock();
  private baseline: StatsBaseline | undefined;

  constructor(
    private config: () => KeepalivedConfig,
    private readonly driver: VrrpDriver,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly scripts: () => ReadonlyMap<string, ScriptStatus> = () => new Map(),
  ) {}

  input(): DumpInput {
    return {
      config: this.config(),
      runtimes: this.driver.runtimes,
      router: this.driver.routerState(),
      lastTransitionUs: this.transitions.snapshot(this.driver.runtimes.keys()),
      nowWallUs: wallNowUs(),
      nowMonoUs: this.clock.now(),
      scripts: this.scripts(),
      ...(this.baseline ? { baseline: this.baseline } : {}),
    };
  }

  private write(kind: 'data' | 'stats' | 'json', text: string | undefined): void {
    if (text === undefined) return;
    writeDump(kind, text).catch((e: Error) => this.log.error(`cannot write the ${kind} dump: ${e.message}`));
  }

  install(): void {
    process.on('SIGUSR1', () => this.write('data', formatData(this.input(), { hostname: os.hostname() })));
    process.on('SIGUSR2', () => this.write('stats', formatStats(this.input())));
    const json = onSignalNumber(SIG_JSON, () => this.write('json', formatJson(this.input())));
    const clear = onSignalNumber(SIG_STATS_CLEAR, () => {
      const r = statsClear(this.input());
      this.baseline = r.baseline;
      this.write('stats', r.text);
    });
    if (!json || !clear) this.log.warn('cannot watch signals 36/63 in this Node: JSON dump and STATS_CLEAR unavailable');
  }
}
