import { Option } from 'commander';

/** `--config FILE`, shared by every command that reads a topology. */
export const configOption = () =>
  new Option('-c, --config <file>', 'topology file (YAML or JSON)').default('examples/local.yaml');
