import { InvalidArgumentError, type Command } from 'commander';
// The files, not lib/fence/index.js: the command declarations load with every `chdr` run (`--help` too).
import { FENCE_MARKER_PATH, GUARDED_SERVICES } from '../../fence/constants.js';
import { guardDropInPath, renderGuardDropIn } from '../../fence/guard.js';

const parseService = (value: string): string => {
  if (!/^[A-Za-z0-9@_.-]+$/.test(value))
    throw new InvalidArgumentError('give a systemd unit name, e.g. zookeeper');
  return value;
};

/** `chdr fence guard-unit`: the boot guard drop-in a fenced host's services need (docs/failover-runbook.md). */
export const registerFenceCommand = (program: Command): void => {
  const fence = program.command('fence').description('the fence a forced failover puts on the lost site');
  fence
    .command('guard-unit')
    .description(
      `print the systemd drop-in that keeps a service from starting while ${FENCE_MARKER_PATH} exists (install it on every node)`,
    )
    .option(
      '--service <unit>',
      `the service to guard (${GUARDED_SERVICES.join(', ')}); repeat for several`,
      (value: string, previous: string[]) => [...previous, parseService(value)],
      [] as string[],
    )
    .action((options: { service: string[] }) => {
      const services = options.service.length > 0 ? options.service : [...GUARDED_SERVICES];
      process.stdout.write(services.map((service) => renderGuardDropIn(service)).join('\n'));
      process.stderr.write(
        `install: write each block to its path (${guardDropInPath('<service>')}), then systemctl daemon-reload\n`,
      );
    });
};
