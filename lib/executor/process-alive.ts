// Its own module, not local.ts: the state store's and the failover's locks use it, and importing the local
// executor would load node:child_process into every command that only reads state (`chdr check`).

/** Whether a process of this machine exists (EPERM: it does, under another user). */
export const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};
