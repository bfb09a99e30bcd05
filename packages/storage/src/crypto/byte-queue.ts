/** A FIFO of bytes that hands out exact-size slices without re-concatenating everything it holds. */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  /** Copies `chunk` in, so the producer may reuse its buffer. */
  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.chunks.push(chunk.slice());
    this.size += chunk.byteLength;
  }

  /** Removes and returns the next `n` bytes (n ≤ length). */
  take(n: number): Uint8Array {
    const out = this.peek(n);
    this.drop(n);
    return out;
  }

  /** The next `n` bytes (n ≤ length) without removing them. */
  peek(n: number): Uint8Array {
    if (n > this.size) throw new RangeError(`ByteQueue holds ${this.size} bytes, ${n} requested`);
    const first = this.chunks[0];
    if (first !== undefined && first.byteLength - this.head >= n)
      return first.subarray(this.head, this.head + n);
    const out = new Uint8Array(n);
    let filled = 0;
    let offset = this.head;
    for (const chunk of this.chunks) {
      const part = chunk.subarray(offset, offset + (n - filled));
      out.set(part, filled);
      filled += part.byteLength;
      offset = 0;
      if (filled === n) break;
    }
    return out;
  }

  private drop(n: number): void {
    this.size -= n;
    let left = n;
    while (left > 0) {
      const first = this.chunks[0];
      if (first === undefined) break;
      const available = first.byteLength - this.head;
      if (available > left) {
        this.head += left;
        return;
      }
      left -= available;
      this.chunks.shift();
      this.head = 0;
    }
  }
}
