/**
 * The sizes `Buffer.allocUnsafe` was asked for while `f` ran: what a reader allocates per file (large buffers for
 * small files made V8 collect garbage for their external memory).
 */
export async function allocations(f: () => Promise<unknown>): Promise<number[]> {
  const original = Buffer.allocUnsafe;
  const sizes: number[] = [];
  Buffer.allocUnsafe = (size: number) => {
    sizes.push(size);
    return original(size);
  };
  try {
    await f();
  } finally {
    Buffer.allocUnsafe = original;
  }
  return sizes;
}
