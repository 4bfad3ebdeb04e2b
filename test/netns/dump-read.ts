/**
 * Reads what differential tests compare out of a data dump (keepalived.data, Keepalived's and
 * ours share the layout): each VRRP instance's state and effective priority, and each vrrp_script's
 * command, status and the instances that track it.
 */

export interface InstanceView {
  readonly state: string;
  readonly effective: number;
}

export interface ScriptView {
  readonly command: string;
  readonly status: string;
  /** "NAME, weight W" lines under "Tracking instances :", sorted. */
  readonly trackedBy: readonly string[];
}

export interface DataDump {
  readonly instances: Readonly<Record<string, InstanceView>>;
  readonly scripts: Readonly<Record<string, ScriptView>>;
}

/** The lines of one section ("------< NAME >------") up to the next. */
function section(text: string, name: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`------< ${name} >------`);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.startsWith('------<'));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** Splits a section into blocks opened by ` KEY = name` (one space of indent). */
function blocks(lines: readonly string[], key: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const l of lines) {
    if (l.startsWith(` ${key} = `)) {
      current = [];
      out.set(l.slice(key.length + 4).trim(), current);
    } else current?.push(l);
  }
  return out;
}

const field = (lines: readonly string[], name: string): string | undefined =>
  lines.find((l) => l.startsWith(`   ${name} = `))?.slice(name.length + 6).trim();

export function readDataDump(text: string): DataDump {
  const instances: Record<string, InstanceView> = {};
  for (const [name, lines] of blocks(section(text, 'VRRP Topology'), 'VRRP Instance')) {
    instances[name] = { state: field(lines, 'State') ?? '?', effective: Number(field(lines, 'Effective priority') ?? NaN) };
  }
  const scripts: Record<string, ScriptView> = {};
  for (const [name, lines] of blocks(section(text, 'VRRP Scripts'), 'VRRP Script')) {
    const i = lines.indexOf('   Tracking instances :');
    const trackedBy: string[] = [];
    for (let j = i + 1; i >= 0 && j < lines.length && lines[j]!.startsWith('     '); j++) trackedBy.push(lines[j]!.trim());
    scripts[name] = { command: field(lines, 'Command') ?? '?', status: field(lines, 'Status') ?? '?', trackedBy: trackedBy.sort() };
  }
  return { instances, scripts };
}
