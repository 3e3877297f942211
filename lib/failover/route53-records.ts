import type { Change, ResourceRecordSet, RRType } from '@aws-sdk/client-route-53';
import { FAILOVER_ERROR_CODES, FailoverError } from './errors.js';

/**
 * The write endpoint's Route 53 record, read and changed as a whole: plain A/AAAA/CNAME records, alias
 * records and members of a routing policy set (`SetIdentifier`: weighted, failover, latency, geo...).
 * Pure: the step (steps/route53.ts) lists the zone and sends the batch.
 */

/** The record types a write endpoint can have. */
const ENDPOINT_TYPES: readonly string[] = ['A', 'AAAA', 'CNAME'];
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IPV6 = /^[0-9a-f:]+:[0-9a-f:]*$/i;

export const normaliseName = (name: string): string => (name.endsWith('.') ? name : `${name}.`).toLowerCase();

/** Route 53 returns `*` as `\052` and other special characters octal-escaped. */
const unescapeName = (name: string): string =>
  name.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** Which record chdr manages: the record's name and, in a routing policy set, its `SetIdentifier`. */
export interface EndpointRecordRef {
  recordName: string;
  setIdentifier?: string;
}

/** What the endpoint should point at: A for an IPv4 address, AAAA for IPv6, CNAME for a name. */
export const endpointTarget = (host: string): { type: RRType; value: string } =>
  IPV4.test(host)
    ? { type: 'A', value: host }
    : IPV6.test(host)
      ? { type: 'AAAA', value: host }
      : { type: 'CNAME', value: host };

/** A record for people: type, value or alias target, TTL, set identifier. */
export const describeRecord = (set: ResourceRecordSet | null | undefined): string => {
  if (!set) return '(none)';
  const value = set.AliasTarget
    ? `alias ${set.AliasTarget.DNSName}`
    : (set.ResourceRecords ?? []).map((r) => r.Value).join(',');
  return `${set.Type} ${value}${set.TTL !== undefined ? ` TTL ${set.TTL}` : ''}${set.SetIdentifier ? ` [${set.SetIdentifier}]` : ''}`;
};

/**
 * The one endpoint record among the sets the zone listed for this name, or null when there is none.
 * Refuses what it cannot manage unambiguously: a routing policy set without `setIdentifier` in the
 * config, or several endpoint types (A and AAAA) for one name.
 */
export const pickEndpointRecord = (
  sets: readonly ResourceRecordSet[],
  ref: EndpointRecordRef,
): ResourceRecordSet | null => {
  const named = sets.filter(
    (set) =>
      normaliseName(unescapeName(set.Name ?? '')) === normaliseName(ref.recordName) &&
      ENDPOINT_TYPES.includes(set.Type ?? ''),
  );
  const identifiers = [...new Set(named.flatMap((set) => (set.SetIdentifier ? [set.SetIdentifier] : [])))];
  if (ref.setIdentifier === undefined && identifiers.length > 0) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.precondition,
      `${ref.recordName} is a routing policy set (SetIdentifier ${identifiers.join(', ')}): ` +
        'set failover.route53.setIdentifier to the member chdr switches',
    );
  }
  const mine = named.filter((set) => set.SetIdentifier === ref.setIdentifier);
  if (mine.length > 1) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.precondition,
      `${ref.recordName} has ${mine.map(describeRecord).join(' and ')}: chdr switches one endpoint record; remove the other`,
    );
  }
  if (ref.setIdentifier !== undefined && mine.length === 0) {
    throw new FailoverError(
      FAILOVER_ERROR_CODES.precondition,
      `${ref.recordName} has no record with SetIdentifier ${ref.setIdentifier}` +
        `${identifiers.length > 0 ? ` (it has ${identifiers.join(', ')})` : ''}: fix failover.route53.setIdentifier`,
    );
  }
  return mine[0] ?? null;
};

/**
 * The record pointing at `host`: a plain record with the TTL given, keeping the routing policy of the
 * current record (weight, failover role, region, health check...) when it is a member of a set.
 */
export const endpointRecord = (
  ref: EndpointRecordRef,
  host: string,
  ttl: number,
  current: ResourceRecordSet | null,
): ResourceRecordSet => {
  const { type, value } = endpointTarget(host);
  const routing = current?.SetIdentifier
    ? {
        SetIdentifier: current.SetIdentifier,
        Weight: current.Weight,
        Region: current.Region,
        GeoLocation: current.GeoLocation,
        Failover: current.Failover,
        MultiValueAnswer: current.MultiValueAnswer,
        HealthCheckId: current.HealthCheckId,
        CidrRoutingConfig: current.CidrRoutingConfig,
        GeoProximityLocation: current.GeoProximityLocation,
      }
    : { HealthCheckId: current?.HealthCheckId };
  const defined = Object.fromEntries(Object.entries(routing).filter(([, v]) => v !== undefined));
  return { Name: ref.recordName, Type: type, TTL: ttl, ResourceRecords: [{ Value: value }], ...defined };
};

/** True when the record is `wanted` as far as DNS answers go (type, values, TTL, set identifier). */
export const sameRecord = (a: ResourceRecordSet | null, b: ResourceRecordSet | null): boolean =>
  a !== null &&
  b !== null &&
  normaliseName(a.Name ?? '') === normaliseName(b.Name ?? '') &&
  a.Type === b.Type &&
  a.TTL === b.TTL &&
  a.SetIdentifier === b.SetIdentifier &&
  a.AliasTarget === undefined &&
  b.AliasTarget === undefined &&
  JSON.stringify((a.ResourceRecords ?? []).map((r) => r.Value)) ===
    JSON.stringify((b.ResourceRecords ?? []).map((r) => r.Value));

/**
 * Replaces `current` by `next` in one atomic change batch. UPSERT cannot change a record's type (A to
 * CNAME) nor turn an alias into a plain record, so the batch DELETEs the current record exactly as read
 * (Route 53 rejects the whole batch when it changed meanwhile) and CREATEs the new one.
 */
export const replaceChanges = (
  current: ResourceRecordSet | null,
  next: ResourceRecordSet | null,
): Change[] => [
  ...(current ? [{ Action: 'DELETE' as const, ResourceRecordSet: current }] : []),
  ...(next ? [{ Action: 'CREATE' as const, ResourceRecordSet: next }] : []),
];
