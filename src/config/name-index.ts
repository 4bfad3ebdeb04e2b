/**
 * Lookups by name in the lists of definitions read so far (vrrp_instance, vrrp_script ...). Those
 * lists only grow while a file is read, so each gets one index, brought up to date on each use,
 * instead of a search of the whole list for every definition read: 934 instances each checked
 * against all earlier ones were 436,000 comparisons.
 */
interface Index {
  read: number;
  readonly byName: Map<string, unknown>;
}

const indexes = new WeakMap<readonly { readonly name: string }[], Index>();

/** The list's entries by name; of entries sharing a name, the last one (as `new Map(entries)`). */
export function byName<T extends { readonly name: string }>(list: readonly T[]): ReadonlyMap<string, T> {
  let index = indexes.get(list);
  // A list that shrank was rewritten: index it afresh.
  if (!index || index.read > list.length) indexes.set(list, (index = { read: 0, byName: new Map() }));
  for (; index.read < list.length; index.read++) {
    const entry = list[index.read]!;
    index.byName.set(entry.name, entry);
  }
  return index.byName as ReadonlyMap<string, T>;
}
