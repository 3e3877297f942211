import { alertSettings, Pager, Pauses, type Notification, type Notifier } from '../../alerts/index.js';
import type { Topology } from '../../config/index.js';
import type { PublishedDatum } from '../../metrics/index.js';
import { renderNotification } from '../../report/index.js';
import { localStore } from './state-store.js';

/** Prints what SNS would deliver. */
export class PrintingNotifier implements Notifier {
  readonly sent: Notification[] = [];

  constructor(private readonly write: (text: string) => void = (text) => process.stdout.write(text)) {}

  async notify(notification: Notification): Promise<void> {
    this.sent.push(notification);
    this.write(`\n${renderNotification(notification)}`);
  }
}

/** Locally the metrics are counted, not sent: CloudWatch is the deployed agent's job. */
export const countingPublisher = {
  publish: async (data: readonly PublishedDatum[]) => ({ calls: 0, datums: data.length }),
};

export const localPaging = (topology: Topology, notifier: Notifier = new PrintingNotifier()) => {
  const store = localStore(topology);
  return {
    store,
    notifier,
    pager: new Pager({
      store,
      notifier,
      ...alertSettings(topology.alerts),
    }),
    pauses: new Pauses({ store, notifier, cluster: topology.cluster }),
  };
};
