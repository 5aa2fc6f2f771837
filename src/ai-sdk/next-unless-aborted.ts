/**
 * The iterator's next item, or `done` as soon as `signal` aborts — whichever comes first. A
 * producer that is stopped (R28) must not wait for its source's next chunk, which may never come.
 * The pending `next()` stays with the iterator: cancel or drain it afterwards.
 *
 * @example
 * ```ts
 * const next = await nextUnlessAborted(chunks, writer.signal);
 * if (next.done) return;
 * ```
 */
export function nextUnlessAborted<T>(
  iterator: AsyncIterator<T>,
  signal: AbortSignal,
): Promise<IteratorResult<T>> {
  if (signal.aborted) return Promise.resolve({ done: true, value: undefined });
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve({ done: true, value: undefined });
    signal.addEventListener("abort", onAbort, { once: true });
    iterator.next().then(
      (result) => {
        signal.removeEventListener("abort", onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
