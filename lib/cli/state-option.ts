import { Option } from 'commander';

/** Where the state the agents read lives: the local file, or each site's deployed table. */
export interface StateOptions {
  state: 'local' | 'aws';
  stage: string;
}

/** `--state local|aws` and `--stage`, shared by the commands that read or write what the agents read. */
export const stateOptions = () => [
  new Option(
    '--state <where>',
    "local: the state file of `chdr agent`; aws: the deployed site's DynamoDB table, in its region",
  )
    .choices(['local', 'aws'])
    .default('local'),
  new Option('--stage <stage>', 'the deployment stage whose tables --state aws uses').default('prod'),
];
