/**
 * -d (--dump-conf): the resolved configuration, written to the log at start. Keepalived 2.2.7
 * dumps its C data structures there (dump_global_data(), dump_data_vrrp(), dump_data_check()),
 * from each child. keepalived-ts logs its typed model instead, once, from the parent: one line per
 * top-level block, `<keyword> <name>: <the model as compact JSON>`, the same model (without
 * source positions) that `keepalived-ts config --json` prints.
 */
import type { KeepalivedConfig } from './model.js';

const noPositions = (key: string, value: unknown) => (key === 'pos' ? undefined : value);

/** What names one block in the dump: its name, its address, its fwmark or its group. */
function label(item: unknown, index: number): string {
  const o = item as Record<string, unknown>;
  if (typeof o['name'] === 'string') return o['name'];
  if (typeof o['ip'] === 'string') return o['port'] !== undefined ? `${o['ip']} ${String(o['port'])}` : o['ip'];
  if (o['fwmark'] !== undefined) return `fwmark ${String(o['fwmark'])}`;
  if (typeof o['group'] === 'string') return `group ${o['group']}`;
  return `#${index + 1}`;
}

export function configDumpLines(config: KeepalivedConfig): string[] {
  const lines = ['------< keepalived-ts configuration (-d) >------'];
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      value.forEach((item, i) => lines.push(`${key} ${label(item, i)}: ${JSON.stringify(item, noPositions)}`));
    } else {
      lines.push(`${key}: ${JSON.stringify(value, noPositions)}`);
    }
  }
  return lines;
}
