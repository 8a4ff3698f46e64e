/**
 * A binary min-heap of items with keys, where an item's position is known:
 * `update` after its order changed and `delete` of any item are O(log n).
 * The scheduler keeps owners, projects' rotations and tasks in these, so a
 * pick never scans.
 */
export class IndexedHeap<K, V> {
  readonly #before: (a: V, b: V) => boolean;
  readonly #items: { key: K; value: V }[] = [];
  readonly #index = new Map<K, number>();

  /** `before(a, b)`: a comes out first. */
  constructor(before: (a: V, b: V) => boolean) {
    this.#before = before;
  }

  get size(): number {
    return this.#items.length;
  }

  has(key: K): boolean {
    return this.#index.has(key);
  }

  get(key: K): V | undefined {
    const i = this.#index.get(key);
    return i === undefined ? undefined : this.#items[i]?.value;
  }

  peek(): V | undefined {
    return this.#items[0]?.value;
  }

  peekKey(): K | undefined {
    return this.#items[0]?.key;
  }

  /** Adds or replaces the value for `key`. */
  set(key: K, value: V): void {
    const i = this.#index.get(key);
    if (i === undefined) {
      this.#items.push({ key, value });
      this.#index.set(key, this.#items.length - 1);
      this.#up(this.#items.length - 1);
      return;
    }
    const item = this.#items[i];
    if (item !== undefined) item.value = value;
    this.#fix(i);
  }

  /** The value of `key` changed its order (mutated in place): restore the heap. */
  update(key: K): void {
    const i = this.#index.get(key);
    if (i !== undefined) this.#fix(i);
  }

  delete(key: K): boolean {
    const i = this.#index.get(key);
    if (i === undefined) return false;
    const last = this.#items.pop();
    this.#index.delete(key);
    if (last !== undefined && i < this.#items.length) {
      this.#items[i] = last;
      this.#index.set(last.key, i);
      this.#fix(i);
    }
    return true;
  }

  pop(): V | undefined {
    const top = this.#items[0];
    if (top === undefined) return undefined;
    this.delete(top.key);
    return top.value;
  }

  values(): IterableIterator<V> {
    return this.#items.map((i) => i.value).values();
  }

  #fix(i: number): void {
    if (!this.#up(i)) this.#down(i);
  }

  #up(i: number): boolean {
    let moved = false;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
      moved = true;
    }
    return moved;
  }

  #down(i: number): void {
    const n = this.#items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.#less(l, m)) m = l;
      if (r < n && this.#less(r, m)) m = r;
      if (m === i) return;
      this.#swap(i, m);
      i = m;
    }
  }

  #less(a: number, b: number): boolean {
    const x = this.#items[a];
    const y = this.#items[b];
    return x !== undefined && y !== undefined && this.#before(x.value, y.value);
  }

  #swap(a: number, b: number): void {
    const x = this.#items[a];
    const y = this.#items[b];
    if (x === undefined || y === undefined) return;
    this.#items[a] = y;
    this.#items[b] = x;
    this.#index.set(y.key, a);
    this.#index.set(x.key, b);
  }
}
