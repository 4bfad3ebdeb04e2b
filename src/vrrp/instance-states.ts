/**
 * The states of a router's instances, as one immutable value: an array in the configuration's
 * order and a name index shared by every state of one configuration. A step that changes one
 * instance copies the array (a memcpy of pointers: 0.6 µs at 1,000 instances), where copying a
 * record keyed by name cost 2 ms there (V8 keeps large records as hash tables, slow to clone),
 * which made the engine's cost per instance grow with the number of instances (issue 13).
 */
import type { InstanceState } from './types.js';

/** Each configuration's names in order, made once: the index is shared by all its states. */
const namesOf = new WeakMap<ReadonlyMap<string, number>, readonly string[]>();

export class InstanceStates {
  private constructor(
    private readonly index: ReadonlyMap<string, number>,
    private readonly list: readonly InstanceState[],
  ) {}

  /** From [name, state] pairs, in order; names must be unique. */
  static of(entries: Iterable<readonly [string, InstanceState]>): InstanceStates {
    const index = new Map<string, number>();
    const list: InstanceState[] = [];
    for (const [name, st] of entries) {
      if (index.has(name)) throw new RangeError(`instance ${name} twice`);
      index.set(name, list.length);
      list.push(st);
    }
    return new InstanceStates(index, list);
  }

  get(name: string): InstanceState | undefined {
    const i = this.index.get(name);
    return i === undefined ? undefined : this.list[i];
  }

  /** A new value with `name`'s state replaced; this one is unchanged. */
  with(name: string, st: InstanceState): InstanceStates {
    const i = this.index.get(name);
    if (i === undefined) throw new RangeError(`no instance ${name}`);
    const list = this.list.slice();
    list[i] = st;
    return new InstanceStates(this.index, list);
  }

  /** The same instances with states replaced in place: only for a copy this step made itself (router.ts). */
  withMutable(): { states: InstanceStates; set(name: string, st: InstanceState): void } {
    const list = this.list.slice();
    const index = this.index;
    return {
      states: new InstanceStates(index, list),
      set(name, st) {
        const i = index.get(name);
        if (i === undefined) throw new RangeError(`no instance ${name}`);
        list[i] = st;
      },
    };
  }

  /** The names, in the same order as values(). */
  names(): readonly string[] {
    let names = namesOf.get(this.index);
    if (!names) namesOf.set(this.index, (names = [...this.index.keys()]));
    return names;
  }

  *entries(): IterableIterator<[string, InstanceState]> {
    for (const [name, i] of this.index) yield [name, this.list[i]!];
  }

  values(): readonly InstanceState[] {
    return this.list;
  }
}
