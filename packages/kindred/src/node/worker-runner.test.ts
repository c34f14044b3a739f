import { afterAll, describe, expect, it } from 'vitest';
import { synthetic } from '../data/synthetic.js';
import { Als } from '../models/factorization/als.js';
import { createWorkerRunner } from './worker-runner.js';

// The global is untyped here (no DOM lib); the few members the test uses.
const WebAssembly = (
  globalThis as unknown as {
    WebAssembly: {
      validate(b: Uint8Array): boolean;
      Module: new (b: Uint8Array) => object;
      Instance: new (m: object, imports: object) => object;
      Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBuffer };
    };
  }
).WebAssembly;

const data = synthetic({ users: 300, items: 200, interactions: 6000, kind: 'implicit', seed: 7 });
const runner = createWorkerRunner(2);
afterAll(() => runner.close());

describe('createWorkerRunner', () => {
  it('a 2-thread ALS fit equals the single-thread fit', async () => {
    for (const factors of [64, 12]) {
      const opts = { factors, iterations: 4, regularization: 0.05, alpha: 3, seed: 2 };
      const single = new Als(opts).fit(data);
      const losses: number[] = [];
      const parallel = await new Als(opts).fitAsync(data, { runner, onEpoch: (e) => losses.push(e.loss!) });
      // Rows are solved independently and the Gram matrix is summed from the same parts in the same order, so the
      // factors agree to the bit, not just within tolerance.
      expect(parallel.factorState().userFactors).toEqual(single.factorState().userFactors);
      expect(parallel.factorState().itemFactors).toEqual(single.factorState().itemFactors);
      expect(parallel.recommend('u3', { k: 5 }).ids).toEqual(single.recommend('u3', { k: 5 }).ids);
      expect(losses).toHaveLength(4);
      expect(losses[3]).toBeLessThan(losses[0]);
    }
  });

  it('the parallel loss equals the single-thread loss', async () => {
    const opts = { factors: 16, iterations: 3, seed: 1 };
    const a: number[] = [],
      b: number[] = [];
    new Als(opts).fit(data, { onEpoch: (e) => a.push(e.loss!) });
    await new Als(opts).fitAsync(data, { runner, onEpoch: (e) => b.push(e.loss!) });
    expect(b).toEqual(a);
  });

  it('runs every call on one of its threads and reports a kernel error without hanging', async () => {
    // A tiny module over a shared memory (wabt, threads feature):
    //   (import "env" "memory" (memory 1 1 shared)) (global $t (mut i32) (i32.const 0))
    //   (func (export "set_thread") (param i32) (global.set $t (local.get 0)))
    //   (func (export "mark") (param i32) (i32.store (i32.shl (local.get 0) (i32.const 2)) (i32.add (global.get $t) (i32.const 1))))
    //   (func (export "boom") (param i32) unreachable)
    const bytes = Uint8Array.from(
      atob(
        'AGFzbQEAAAABBQFgAX8AAhABA2VudgZtZW1vcnkCAwEBAwQDAAAABgYBfwFBAAsHHAMKc2V0X3RocmVhZAAABG1hcmsAAQRib29tAAIKHAMGACAAJAALDwAgAEECdCMAQQFqNgIACwMAAAs=',
      ),
      (c) => c.charCodeAt(0),
    );
    const module = new WebAssembly.Module(bytes);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const group = await runner.load(module, memory);
    const calls = 4000;
    const args = Float64Array.from({ length: calls }, (_, i) => i);
    await group.run('mark', args, 1);
    const marks = new Int32Array(memory.buffer, 0, calls);
    expect(marks.every((m) => m === 1 || m === 2)).toBe(true); // every call ran once, on thread 0 or 1
    await expect(group.run('boom', new Float64Array(8), 1)).rejects.toThrow(/unreachable/);
    await group.release();
  });

  it('terminates its workers on close, and a closed runner refuses work', async () => {
    const r = createWorkerRunner(3);
    expect(r.liveWorkers).toBe(2);
    await new Als({ factors: 8, iterations: 2 }).fitAsync(data, { runner: r });
    await r.close();
    expect(r.liveWorkers).toBe(0);
    await expect(new Als({ factors: 8, iterations: 2 }).fitAsync(data, { runner: r })).rejects.toThrow(/closed/);
  });
});
