import { failoverDrill } from '/work/wt/fence/scripts/bench-failover.ts';
const phases = await failoverDrill();
for (const p of phases) console.log(`${p.phase.padEnd(70)} ${(p.ms / 1000).toFixed(1).padStart(6)} s ${p.note ?? ''}`);
