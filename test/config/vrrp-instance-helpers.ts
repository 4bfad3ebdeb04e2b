/**
 * Loading inline configurations for the vrrp_instance / vrrp_sync_group tests.
 */
import type { Diagnostic } from '../../src/config/diagnostics.js';
import { memoryConfigFs } from '../../src/config/fs.js';
import { loadConfig, type LoadResult } from '../../src/config/load.js';
import type { KeepalivedConfig } from '../../src/config/model.js';

export function load(text: string): LoadResult {
  return loadConfig('/etc/k.conf', { fs: memoryConfigFs({ '/etc/k.conf': text }), configId: 'x' });
}

/** "LINE: message" for each diagnostic (line 0 when it has none). */
export function lines(diags: readonly Diagnostic[]): string[] {
  return diags.map((d) => `${d.pos?.line ?? 0}: ${d.message}`);
}

/** A minimal valid instance body around `extra` lines. */
export function instance(extra: string, name = 'VI_1', vrid = 51): string {
  return `vrrp_instance ${name} {
  interface eth0
  virtual_router_id ${vrid}
  virtual_ipaddress {
    10.0.0.1/24
  }
${extra}
}
`;
}

export function only(config: KeepalivedConfig, name = 'VI_1') {
  const i = config.vrrp_instance.find((x) => x.name === name);
  if (!i) throw new Error(`no instance ${name}`);
  return i;
}
