import { Pauses } from '../../alerts/index.js';
import { loadCliTopology } from './topology.js';
import { describeFence, describePrimary, liveLayout } from '../../cycle/index.js';
import { worstStatus } from '../../health/index.js';
import { renderStatusTree } from '../../report/index.js';
import type { StateOptions } from '../state-option.js';
import { PrintingNotifier } from './local-runtime.js';
import { rolesBySite, runCycles } from './run-cycles.js';
import { siteStateStore } from './state-store.js';

export const status = async (options: StateOptions & { config: string }): Promise<void> => {
  const topology = await loadCliTopology(options.config);
  const roles = await rolesBySite(topology, options);
  const reports = await runCycles(topology, undefined, roles, { zxid: true });
  // Every site's store holds the same record once an operation wrote it; the newest one speaks.
  const live = [...roles.values()].sort((a, b) => b.since.localeCompare(a.since))[0]!;
  process.stdout.write(`${describePrimary(live)}\n`);
  for (const fence of live.fenced) process.stdout.write(`fenced: ${describeFence(fence, live.primary)}\n`);
  process.stdout.write(`${renderStatusTree(liveLayout(topology, live), reports)}\n`);
  for (const site of topology.sites) {
    const pauses = new Pauses({
      store: await siteStateStore(topology, site.name, options),
      notifier: new PrintingNotifier(),
      cluster: topology.cluster,
    });
    for (const pause of (await pauses.listPauses()).filter((p) => p.site === site.name)) {
      process.stdout.write(
        `paused: ${pause.site} until ${pause.until} by ${pause.who} (${pause.reason}); pages held back\n`,
      );
    }
  }
  process.exitCode = worstStatus(reports.map((report) => report.status)) === 'ok' ? 0 : 1;
};
