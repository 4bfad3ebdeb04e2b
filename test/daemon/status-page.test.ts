/**
 * The live page's script (daemon/status/page.ts), run in a vm context with a small stand-in for
 * the DOM: its timeline and its dedupe keys stay bounded however many events come, an
 * instance's history offered again at every refresh adds nothing twice, and a transition heard as
 * an event and seen again in the history shows once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as vm from 'node:vm';
import { PAGE } from '../../src/daemon/status/page.js';

interface FakeEl {
  textContent: string;
  innerHTML: string;
  hidden: boolean;
  dataset: Record<string, string>;
  children: FakeEl[];
  parent?: FakeEl;
  previousElementSibling?: FakeEl;
  prepend(c: FakeEl): void;
  remove(): void;
}

function el(): FakeEl {
  const e: FakeEl = {
    textContent: '', innerHTML: '', hidden: false, dataset: {}, children: [],
    prepend(c) {
      c.parent = e;
      e.children.unshift(c);
    },
    remove() {
      if (e.parent) e.parent.children.splice(e.parent.children.indexOf(e), 1);
      delete e.parent;
    },
  };
  // The pools table's heading (render() hides it with the table).
  e.previousElementSibling = { hidden: false } as FakeEl;
  return e;
}

function page(): { ctx: vm.Context; timeline: FakeEl } {
  const script = /<script>([\s\S]*)<\/script>/.exec(PAGE)![1]!;
  const elements = new Map<string, FakeEl>();
  const ctx = vm.createContext({
    document: {
      querySelector: (s: string) => elements.get(s) ?? (elements.set(s, el()), elements.get(s)!),
      createElement: () => el(),
    },
    EventSource: class { onopen?: () => void; onerror?: () => void; onmessage?: () => void },
    fetch: () => new Promise(() => undefined),
  });
  vm.runInContext(script, ctx);
  return { ctx, timeline: vm.runInContext('$("#timeline")', ctx) as FakeEl };
}

const iso = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();

test('the timeline and its dedupe keys stay bounded under an endless stream of events', () => {
  const { ctx, timeline } = page();
  for (let i = 0; i < 10_000; i++) {
    vm.runInContext(`addEvent(${JSON.stringify({ at: iso(i), type: 'checker', vs: '[10.0.0.1]:tcp:80', rs: `[10.0.0.${i % 250}]:80`, up: i % 2 === 0, reason: `r${i}` })})`, ctx);
  }
  const kept = vm.runInContext('seen.size', ctx) as number;
  assert.ok(kept <= 1000, `dedupe keys kept: ${kept}`);
  assert.ok(timeline.children.length <= 1000, `timeline lines: ${timeline.children.length}`);
  assert.ok(timeline.children.length >= 100, 'the newest lines are still shown');
  assert.match(timeline.children[0]!.textContent, /r9999/, 'the newest line is on top');
});

test('histories offered at every refresh add each transition once, even past the bound', () => {
  const { ctx, timeline } = page();
  // 100 instances x 20 transitions (vrrp-status.ts keeps 20 each): more than the page keeps.
  const status = {
    pid: 1, version: 'x', startedAt: iso(0), children: [],
    vrrp: {
      instances: Array.from({ length: 100 }, (_, n) => ({
        name: `VI_${n}`, state: 'MASTER', priority: 100, effectivePriority: 100, vips: [], tracked: [],
        transitions: Array.from({ length: 20 }, (_, k) => ({ at: iso(k * 1000 + n), from: 'BACKUP', to: 'MASTER', reason: 'r' })),
      })),
    },
  };
  vm.runInContext(`render(${JSON.stringify(status)})`, ctx);
  const first = timeline.children.map((c) => c.textContent);
  for (let i = 0; i < 5; i++) vm.runInContext(`render(${JSON.stringify(status)})`, ctx);
  const after = timeline.children.map((c) => c.textContent);
  assert.deepEqual(after, first, 'a refresh re-adds nothing');
  assert.ok(after.length <= 1000);
  assert.equal(new Set(after).size, after.length, 'no line twice');
});

test('a transition heard as an event and then seen in the history shows once', () => {
  const { ctx, timeline } = page();
  const at = iso(5);
  vm.runInContext(`addEvent(${JSON.stringify({ at, type: 'transition', instance: 'VI_1', from: 'BACKUP', to: 'MASTER', reason: 'master down', priority: 100 })})`, ctx);
  vm.runInContext(`render(${JSON.stringify({ pid: 1, version: 'x', startedAt: at, children: [], vrrp: { instances: [{ name: 'VI_1', state: 'MASTER', priority: 100, effectivePriority: 100, vips: [], tracked: [], transitions: [{ at, from: 'BACKUP', to: 'MASTER', reason: 'master down' }] }] } })})`, ctx);
  assert.equal(timeline.children.length, 1);
});
