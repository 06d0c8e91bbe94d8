// Ctrl-C and SIGTERM: commands observe `interruption.signal` and stop with what they have;
// the PowerShell session is disposed at once so no pwsh outlives imp.

/**
 * Ends every PowerShell session this process started. Sessions exist only once their module has loaded, so
 * --help, --version and the commands that never run PowerShell do not load it (and node:crypto) just to find none.
 */
export async function disposeAllSessions(): Promise<void> {
  const loaded = require.cache[require.resolve('./powershell/session')] as { exports: typeof import('./powershell/session') } | undefined;
  await loaded?.exports.disposeAllSessions();
}

class Interruption {
  private controller = new AbortController();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get interrupted(): boolean {
    return this.controller.signal.aborted;
  }

  /** Resolves once imp is interrupted: at once if it already was (an abort event never fires twice). */
  whenInterrupted(): Promise<void> {
    const { signal } = this.controller;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  /** `beforeForcedExit` reports the interruption when imp cannot wait for the command to notice it. */
  install(beforeForcedExit: (signal: NodeJS.Signals) => void = () => undefined): () => void {
    const leave = (signal: NodeJS.Signals) => {
      beforeForcedExit(signal);
      process.exit(3);
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.controller.signal.aborted) leave(signal); // second Ctrl-C: leave now
      this.controller.abort(new Error(`interrupted by ${signal}`));
      void disposeAllSessions();
      // A command that does not notice the signal still ends, with UNKNOWN.
      setTimeout(() => leave(signal), 5000).unref();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    return () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  }
}

export const interruption = new Interruption();
