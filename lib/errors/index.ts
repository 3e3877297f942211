/**
 * One error base with a stable `code`: callers branch on `code`, never on message text.
 * Each domain defines its codes next to its own subclasses; `cause` is always kept when wrapping.
 */
export class ChdrError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export const isChdrError = (error: unknown, code?: string): error is ChdrError =>
  error instanceof ChdrError && (code === undefined || error.code === code);

/** Text of any thrown value, for logs and results; never includes a stack. */
export const describeError = (error: unknown): string =>
  error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
