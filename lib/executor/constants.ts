/** Exit code reported for a command stopped at its timeout (as coreutils `timeout` does). */
export const EXIT_TIMED_OUT = 124;
/** Most bytes of stdout/stderr kept per stream; the rest is cut (SSM itself keeps 24 000 chars). */
export const MAX_OUTPUT_BYTES = 64 * 1024;
export const DEFAULT_SSM_POLL_INTERVAL_MS = 2_000;
export const SSM_DOCUMENT = 'AWS-RunShellScript';

export const EXECUTOR_KINDS = ['local', 'ssm'] as const;
/** After a local command exits, how long to wait for its output pipes before settling anyway. */
export const EXIT_DRAIN_MS = 200;

/** Every host command runs in bash with these options, locally and over SSM: a failing command or pipeline stage stops it. */
export const SHELL_OPTIONS = ['-e', '-o', 'pipefail'] as const;
/** SSM keeps this many characters of a command's standard output; longer output is cut without notice. */
export const SSM_MAX_OUTPUT_CHARS = 24_000;
