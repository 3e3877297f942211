// Its own module: the handlers import it statically, and it must not pull the rest of lib/lambda into
// module init.

/** Memoises an async factory; a failure is not cached, so the next invocation tries again. */
export const once = <T>(create: () => Promise<T>): (() => Promise<T>) => {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= create().catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
};
