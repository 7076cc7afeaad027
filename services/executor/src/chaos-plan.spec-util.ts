import { mulberry32 } from '@ledgerflow/testing';

/**
 * The seeded part of the chaos e2e test (chaos.e2e.spec.ts): which runs are triggered when, with which
 * tool sleep, and which service is killed when and for how long. Same seed, same plan: a failure is
 * reproduced with `LEDGERFLOW_CHAOS_SEED=<seed>` (the interleaving with the processes is not, the plan is).
 */

/** The services the chaos test kills (never nats-server, the tool workers or the test itself). */
export const CHAOS_SERVICES = ['planner', 'executor', 'policy', 'approval', 'memory', 'gateway'] as const;
export type ChaosService = (typeof CHAOS_SERVICES)[number];

/**
 * One trigger: published on `lf.trigger.<workflowId>` with message id `key`, `offsetMs` after the start of
 * kill number `slot`'s cycle (so triggers arrive before, during and after a kill and while a service is down).
 */
export interface PlannedRun {
  readonly workflowId: string;
  readonly key: string;
  /** The input's `sleepMs`: how long each `bench.record` call sleeps, in ms. */
  readonly sleepMs: number;
  readonly slot: number;
  readonly offsetMs: number;
  /** Gated workflows: how long after its gate is seen open the test approves it, in ms. */
  readonly approveAfterMs: number;
}

/** One kill: wait `gapMs` after the slot's triggers, SIGKILL `service`, wait `downMs`, restart it (until ready). */
export interface PlannedKill {
  readonly service: ChaosService;
  readonly gapMs: number;
  readonly downMs: number;
}

export interface ChaosPlan {
  readonly seed: number;
  readonly runs: readonly PlannedRun[];
  readonly kills: readonly PlannedKill[];
}

export interface ChaosPlanOptions {
  /** Runs per workflow id, e.g. `{ 'recorded-chain': 30, 'chaos-gated': 6 }`. */
  readonly runs: Readonly<Record<string, number>>;
  readonly kills: number;
  /** Which services may be killed; default all of {@link CHAOS_SERVICES}. */
  readonly services?: readonly ChaosService[];
  /** `sleepMs` range of the runs, inclusive; default 50..150. */
  readonly sleepMs?: readonly [number, number];
  /** Wait before each kill, inclusive; default 300..800 ms. */
  readonly gapMs?: readonly [number, number];
  /** Time a killed service stays down before its restart, inclusive; default 0..600 ms. */
  readonly downMs?: readonly [number, number];
  /** Offset of a trigger in its kill's cycle, inclusive; default 0..1500 ms. */
  readonly offsetMs?: readonly [number, number];
}

/**
 * The plan for `seed`. Services are killed in shuffled rounds (each round kills every service once, in a
 * seeded order), so every service is killed at least once when `kills >= services.length`. Each run gets a
 * seeded slot in `[0, kills)` and offset in it, so runs are in flight across the whole schedule.
 */
export function chaosPlan(seed: number, options: ChaosPlanOptions): ChaosPlan {
  const rng = mulberry32(seed);
  const between = ([lo, hi]: readonly [number, number]) => lo + Math.floor(rng() * (hi - lo + 1));
  const services = options.services ?? CHAOS_SERVICES;
  const kills: PlannedKill[] = [];
  while (kills.length < options.kills) {
    const round = [...services];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [round[i], round[j]] = [round[j], round[i]];
    }
    for (const service of round.slice(0, options.kills - kills.length)) {
      kills.push({ service, gapMs: between(options.gapMs ?? [300, 800]), downMs: between(options.downMs ?? [0, 600]) });
    }
  }
  const runs: PlannedRun[] = [];
  for (const [workflowId, count] of Object.entries(options.runs)) {
    for (let i = 0; i < count; i++) {
      runs.push({
        workflowId,
        key: `chaos-${seed}-${workflowId}-${i}`,
        sleepMs: between(options.sleepMs ?? [50, 150]),
        slot: Math.floor(rng() * Math.max(1, options.kills)),
        offsetMs: between(options.offsetMs ?? [0, 1500]),
        approveAfterMs: between([0, 800]),
      });
    }
  }
  return { seed, runs, kills };
}

/** The plan as text, to print before the test acts: seed, the kill schedule, runs per slot. */
export function describePlan(plan: ChaosPlan): string {
  const lines = [
    `chaos seed ${plan.seed} (rerun: LEDGERFLOW_CHAOS_SEED=${plan.seed}); ${plan.runs.length} runs, ${plan.kills.length} kills`,
  ];
  plan.kills.forEach((kill, i) => {
    const runs = plan.runs
      .filter((run) => run.slot === i)
      .map((run) => `${run.workflowId}#${run.key.split('-').at(-1)}@+${run.offsetMs}`);
    lines.push(
      `  #${i}: +${kill.gapMs} ms SIGKILL ${kill.service}, down ${kill.downMs} ms, restart; triggers [${runs.join(' ')}]`,
    );
  });
  return lines.join('\n');
}

/** The seed from `LEDGERFLOW_CHAOS_SEED` (an unsigned 32-bit integer), else `fallback`. */
export function seedFromEnv(fallback: number): number {
  const raw = process.env['LEDGERFLOW_CHAOS_SEED'];
  if (raw === undefined || raw === '') return fallback;
  const seed = Number(raw);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new Error(`LEDGERFLOW_CHAOS_SEED must be an integer in 0..4294967295, got ${raw}`);
  return seed;
}

/** The services from `LEDGERFLOW_CHAOS_SERVICES` (comma-separated, to narrow a failure down), else all. */
export function servicesFromEnv(): readonly ChaosService[] {
  const raw = process.env['LEDGERFLOW_CHAOS_SERVICES'];
  if (raw === undefined || raw === '') return CHAOS_SERVICES;
  const names = raw.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(CHAOS_SERVICES as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new Error(
      `LEDGERFLOW_CHAOS_SERVICES: unknown service(s) ${unknown.join(', ')}; known: ${CHAOS_SERVICES.join(', ')}`,
    );
  return names as ChaosService[];
}
