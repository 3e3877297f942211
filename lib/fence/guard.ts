import { FENCE_MARKER_PATH, GUARD_DROP_IN_NAME } from './constants.js';

/** Where the drop-in goes for a service. */
export const guardDropInPath = (service: string): string =>
  `/etc/systemd/system/${service}.service.d/${GUARD_DROP_IN_NAME}`;

/**
 * The boot guard (issue 11.2): a systemd drop-in whose `ExecStartPre` fails while the fence marker exists,
 * so a fenced host's ZooKeeper/Keeper and ClickHouse do not start, at boot or by hand (a `Condition...`
 * would skip the start silently; a failing `ExecStartPre` leaves the unit failed, with the reason in the
 * journal). The fencing step writes the marker; `chdr recover` removes it. `$$` is systemd's literal `$`.
 */
export const renderGuardDropIn = (service: string, markerPath: string = FENCE_MARKER_PATH): string =>
  [
    `# ${guardDropInPath(service)}: rendered by \`chdr fence guard-unit --service ${service}\``,
    '# Keeps this service from starting while the host is fenced by a chdr forced failover.',
    '[Service]',
    `ExecStartPre=/bin/sh -c 'if [ -e ${markerPath} ]; then echo "chdr: host fenced ($$(cat ${markerPath})): the site lost the primary role; only chdr recover lifts the fence" >&2; exit 1; fi'`,
    '',
  ].join('\n');
