/**
 * Fixed-capacity buffers: pushing is O(1) and, once full, overwrites the oldest entry.
 * Index 0 is the oldest entry held.
 */
export class Float64Ring {
  private readonly data: Float64Array;
  private head = 0; // where the next value goes
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.data = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(value: number): void {
    this.data[this.head] = value;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    if (this.count < this.capacity) this.count++;
  }

  /** The i-th oldest value; `at(length - 1)` is the newest. */
  at(index: number): number {
    if (index < 0 || index >= this.count) throw new RangeError(`index ${index} outside 0..${this.count - 1}`);
    const start = this.head - this.count;
    const position = start + index;
    return this.data[position < 0 ? position + this.capacity : position] as number;
  }

  last(): number | undefined {
    return this.count === 0 ? undefined : this.at(this.count - 1);
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  /** A copy of the held values, oldest first. */
  toArray(): Float64Array {
    const out = new Float64Array(this.count);
    const start = (this.head - this.count + this.capacity) % this.capacity;
    const firstPart = Math.min(this.count, this.capacity - start);
    out.set(this.data.subarray(start, start + firstPart), 0);
    if (firstPart < this.count) out.set(this.data.subarray(0, this.count - firstPart), firstPart);
    return out;
  }
}

export class Ring<T> {
  private readonly items: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity).fill(undefined);
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    this.items[this.head] = item;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    if (this.count < this.capacity) this.count++;
  }

  last(): T | undefined {
    return this.count === 0 ? undefined : this.items[(this.head - 1 + this.capacity) % this.capacity];
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.count = 0;
  }

  /** A copy of the held items, oldest first. */
  toArray(): T[] {
    const out: T[] = new Array<T>(this.count);
    const start = (this.head - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) out[i] = this.items[(start + i) % this.capacity] as T;
    return out;
  }
}
