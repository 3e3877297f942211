import type { Topology } from '../config/index.js';
import { HOURS_PER_MONTH } from './constants.js';

/** us-east-1 list prices (USD), the same in us-west-2. */
export const VPC_PRICES_USD = {
  /** Per NAT gateway hour (one per AZ the functions run in). */
  natGatewayHour: 0.045,
  /** Per interface endpoint per AZ hour. */
  interfaceEndpointHour: 0.01,
} as const;

/** What the functions in private subnets must reach, and what reaching it costs per region and month. */
export interface ConnectivityCost {
  site: string;
  /** Same-region AWS APIs the functions call: interface endpoints could serve these. */
  interfaceEndpoints: string[];
  /** Why interface endpoints alone are not enough (they serve their own region only). */
  needsNat: string[];
  natUsd: number;
  endpointsUsd: number;
  /** What the template needs: NAT when anything needs it, else the endpoints. */
  usd: number;
}

const cents = (value: number): number => Math.round(value * 100) / 100;

/**
 * The VPC connectivity one site's functions need when deployed in private subnets (`subnetIds`): CloudWatch,
 * SNS, Logs and the secret stores through interface endpoints (DynamoDB's gateway endpoint is free) — but
 * the verdict written to the other region's table and Route 53 cannot go through them, so the template
 * needs a NAT gateway per AZ. Functions outside a VPC need neither.
 */
export const connectivityCost = (topology: Topology, azs = 2): ConnectivityCost[] =>
  topology.sites.map((site) => {
    const passwords = site.replicas.map((replica) => replica.password);
    const secretStores = [
      ...(passwords.some((p) => p && typeof p === 'object' && 'ssm' in p) ? ['ssm'] : []),
      ...(passwords.some((p) => p && typeof p === 'object' && 'secretsManager' in p)
        ? ['secretsmanager']
        : []),
    ];
    // The failover function sends SSM Run Command too, so `ssm` is needed whatever holds the passwords.
    const endpoints = [...new Set(['monitoring', 'sns', 'logs', ...secretStores, 'ssm'])];
    const needsNat = [
      ...(topology.sites.length > 1 ? ["the site verdict in the other region's DynamoDB table"] : []),
      ...(topology.failover.route53 ? ['Route 53 (global API) for the failover record'] : []),
    ];
    const natUsd = cents(azs * VPC_PRICES_USD.natGatewayHour * HOURS_PER_MONTH);
    const endpointsUsd = cents(
      endpoints.length * azs * VPC_PRICES_USD.interfaceEndpointHour * HOURS_PER_MONTH,
    );
    return {
      site: site.name,
      interfaceEndpoints: endpoints,
      needsNat,
      natUsd,
      endpointsUsd,
      usd: needsNat.length > 0 ? natUsd : endpointsUsd,
    };
  });

/** The generated lines of docs/metrics.md for the VPC connectivity. */
export const connectivityMarkdown = (topology: Topology, azs = 2): string =>
  [
    `VPC connectivity for functions in private subnets (${azs} AZs), per region and month (data processing extra):`,
    '',
    '| Site | Interface endpoints (same-region APIs) | $/month | NAT gateways | $/month | Needs NAT because | Template needs $/month |',
    '| --- | --- | ---: | ---: | ---: | --- | ---: |',
    ...connectivityCost(topology, azs).map(
      (site) =>
        `| ${site.site} | ${site.interfaceEndpoints.join(', ')} | $${site.endpointsUsd.toFixed(2)} | ${azs} | $${site.natUsd.toFixed(2)} | ${site.needsNat.join('; ') || '—'} | **$${site.usd.toFixed(2)}** |`,
    ),
  ].join('\n');
