import { readFileSync } from 'node:fs';
import type { CoordinationNode } from '../../../lib/config/index.js';
import { parseKeeperServers } from '../../../lib/failover/keeper-config.js';

/**
 * The Keeper half of the simulated cluster (fake-cluster.ts): a small Raft model answering the 4lw words
 * the failover steps send, with replies shaped like the reconstructed Keeper 26.3 fixtures
 * (test/fixtures/keeper, ../shared/fixtures/README.md):
 * - a voter serves when a majority of the voters of its `<raft_configuration>` run with the same voters,
 *   and that voter set is the cluster's committed one; a new voter set is only taken up through `rcvr`
 *   on one of its nodes (Keeper docs, "Recovering after losing quorum"), the node in recovery leading;
 * - otherwise the most up-to-date log leads (Raft), then the highest id;
 * - a learner (`can_become_leader` false) serves when the leader of its voters lists it: `srvr` says
 *   `standalone`, `isro` says `ro`;
 * - `srvr`/`mntr` on a node that does not serve answer "not currently serving requests"; `lgif` and
 *   `rcvr` answer on any running node.
 * It records every hazard the Keeper doc warns about: a serving cluster's config listing a learner that
 * still runs or still holds the old term's log (not stopped and wiped first).
 */

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/keeper/${name}`, import.meta.url), 'utf8');

const SRVR = fixture('srvr-leader.txt');
const NOT_SERVING = fixture('not-serving.txt');

export type KeeperMode = 'unreachable' | 'not-serving' | 'leader' | 'follower' | 'observer';

export class KeeperModel {
  /** Last Raft log index per node. */
  readonly log = new Map<string, number>();
  /** Nodes holding a log of a term the cluster left behind: wiped before they may rejoin. */
  readonly oldTerm = new Set<string>();
  readonly hazards: string[] = [];
  /** The node put in recovery mode by `rcvr`. */
  recovering: string | undefined;
  private committed: string;

  constructor(
    private readonly nodes: () => readonly CoordinationNode[],
    private readonly running: ReadonlySet<string>,
    private readonly config: (node: string) => string,
  ) {
    const first = nodes()[0];
    this.committed = first ? this.voterKey(first.name) : '';
  }

  private servers(name: string) {
    return parseKeeperServers(this.config(name));
  }

  private voterKey(name: string): string {
    return this.servers(name)
      .filter((s) => s.canBecomeLeader)
      .map((s) => s.id)
      .sort((a, b) => a - b)
      .join(',');
  }

  private node(name: string): CoordinationNode {
    return this.nodes().find((n) => n.name === name)!;
  }

  /** The running voters agreeing with `name`'s voter set, and whether that set may serve. */
  private quorum(name: string): { agreeing: CoordinationNode[]; serves: boolean } {
    const key = this.voterKey(name);
    const voters = key.split(',').map(Number);
    const agreeing = this.nodes().filter(
      (n) => this.running.has(n.name) && voters.includes(n.serverId!) && this.voterKey(n.name) === key,
    );
    const adopted =
      key === this.committed ||
      (this.recovering !== undefined && agreeing.some((n) => n.name === this.recovering));
    return { agreeing, serves: adopted && agreeing.length * 2 > voters.length };
  }

  private leaderOf(agreeing: readonly CoordinationNode[]): CoordinationNode {
    const recovering = agreeing.find((n) => n.name === this.recovering);
    if (recovering) return recovering;
    return [...agreeing].sort(
      (a, b) => (this.log.get(b.name) ?? 0) - (this.log.get(a.name) ?? 0) || b.serverId! - a.serverId!,
    )[0]!;
  }

  mode(name: string): KeeperMode {
    if (!this.running.has(name)) return 'unreachable';
    const id = this.node(name).serverId!;
    const me = this.servers(name).find((s) => s.id === id);
    if (!me) return 'not-serving';
    if (!me.canBecomeLeader) {
      const voter = this.nodes().find(
        (n) =>
          this.servers(name).some((s) => s.id === n.serverId && s.canBecomeLeader) &&
          this.running.has(n.name),
      );
      const leader =
        voter && this.mode(voter.name) !== 'not-serving' ? this.leaderName(voter.name) : undefined;
      return leader && this.servers(leader).some((s) => s.id === id && !s.canBecomeLeader)
        ? 'observer'
        : 'not-serving';
    }
    const { agreeing, serves } = this.quorum(name);
    if (!serves || !agreeing.some((n) => n.name === name)) return 'not-serving';
    return this.leaderOf(agreeing).name === name ? 'leader' : 'follower';
  }

  private leaderName(voter: string): string | undefined {
    const { agreeing, serves } = this.quorum(voter);
    return serves ? this.leaderOf(agreeing).name : undefined;
  }

  /**
   * After every change: a recovered voter set becomes the committed one (the nodes outside it keep the
   * old term's log); followers and learners hold the leader's log.
   */
  settle(): void {
    for (const node of this.nodes()) {
      const key = this.voterKey(node.name);
      if (key === this.committed || this.mode(node.name) !== 'leader') continue;
      this.committed = key;
      const voters = key.split(',').map(Number);
      for (const other of this.nodes()) if (!voters.includes(other.serverId!)) this.oldTerm.add(other.name);
    }
    for (const node of this.nodes()) {
      const mode = this.mode(node.name);
      if (mode !== 'follower' && mode !== 'observer') continue;
      const voter = mode === 'follower' ? node.name : this.firstVoterOf(node.name);
      const leader = voter ? this.leaderName(voter) : undefined;
      if (leader) this.log.set(node.name, this.log.get(leader) ?? 0);
      this.oldTerm.delete(node.name);
    }
  }

  private firstVoterOf(name: string): string | undefined {
    const ids = this.servers(name)
      .filter((s) => s.canBecomeLeader)
      .map((s) => s.id);
    return this.nodes().find((n) => ids.includes(n.serverId!) && this.running.has(n.name))?.name;
  }

  /** A write through a serving cluster: the leader's log grows. */
  write(): void {
    const leader = this.nodes().find((n) => this.mode(n.name) === 'leader');
    if (leader) this.log.set(leader.name, (this.log.get(leader.name) ?? 0) + 1);
    this.settle();
  }

  /** The data commands of the failover steps, by what they do to the node's log folders. */
  dataCommand(name: string, command: string): void {
    // resetCoordinationData: the folders moved aside, empty ones in their place (a backup only copies).
    if (command.includes('mkdir -p "$d"')) {
      if (this.running.has(name)) this.hazards.push(`${name}: data moved aside while it runs`);
      this.log.set(name, 0);
      this.oldTerm.delete(name);
    }
  }

  /** A config written on `name`: a serving voter's file may list only learners that are stopped and wiped. */
  configWritten(name: string): void {
    if (this.mode(name) === 'unreachable') return;
    const id = this.node(name).serverId!;
    if (!this.servers(name).some((s) => s.id === id && s.canBecomeLeader)) return;
    for (const server of this.servers(name).filter((s) => !s.canBecomeLeader)) {
      const learner = this.nodes().find((n) => n.serverId === server.id)!;
      if (this.running.has(learner.name) || this.oldTerm.has(learner.name))
        this.hazards.push(
          `${name} lists ${learner.name} as a learner while it still runs or holds the old term's log`,
        );
    }
  }

  /** How many running nodes follow or learn from `leader`. */
  private peersOf(leader: string): number {
    return this.nodes().filter((n) => {
      const mode = n.name === leader ? undefined : this.mode(n.name);
      const voter =
        mode === 'follower' ? n.name : mode === 'observer' ? this.firstVoterOf(n.name) : undefined;
      return voter !== undefined && this.leaderName(voter) === leader;
    }).length;
  }

  /**
   * The role 4lw replies show: a learner says `standalone` (Keeper4LWInfo::getRole), so does a leader no
   * peer follows.
   */
  private shownRole(name: string, mode: KeeperMode): string {
    if (mode === 'observer') return 'standalone';
    return mode === 'leader' && this.peersOf(name) === 0 ? 'standalone' : mode;
  }

  /** The reply to a 4lw word, or undefined when the node refuses the connection. */
  word(name: string, word: string): string | undefined {
    if (!this.running.has(name)) return undefined;
    const mode = this.mode(name);
    const idx = this.log.get(name) ?? 0;
    switch (word) {
      case 'lgif':
        return `first_log_idx\t1\nfirst_log_term\t1\nlast_log_idx\t${idx}\nlast_log_term\t3\nlast_committed_log_idx\t${idx}\nleader_committed_log_idx\t${idx}\ntarget_committed_log_idx\t${idx}\nlast_snapshot_idx\t0\n`;
      case 'rcvr':
        this.recovering = name;
        this.settle();
        return '';
      case 'isro':
        return mode === 'observer' ? 'ro' : 'rw';
      case 'srvr':
        if (mode === 'not-serving') return NOT_SERVING;
        return SRVR.replace('Mode: leader', `Mode: ${this.shownRole(name, mode)}`).replace(
          /Zxid: \S+/,
          `Zxid: 0x${idx.toString(16)}`,
        );
      case 'mntr':
        if (mode === 'not-serving') return NOT_SERVING;
        return this.mntr(name, mode);
      default:
        return undefined;
    }
  }

  private mntr(name: string, mode: KeeperMode): string {
    if (mode !== 'leader')
      return fixture('mntr-follower.txt').replace(
        'zk_server_state\tfollower',
        `zk_server_state\t${this.shownRole(name, mode)}`,
      );
    const followers = this.quorum(name).agreeing.length - 1;
    return fixture('mntr-leader.txt')
      .replace('zk_server_state\tleader', `zk_server_state\t${this.shownRole(name, mode)}`)
      .replace(/zk_followers\t\d+/, `zk_followers\t${followers}`)
      .replace(/zk_synced_followers\t\d+/, `zk_synced_followers\t${followers}`);
  }
}
