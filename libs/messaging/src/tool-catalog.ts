import { Kvm, type KV } from '@nats-io/kv';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { TOOLS_BUCKET, toolCatalogKey, type ToolCatalogEntry } from '@ledgerflow/contracts';

/**
 * The tool catalog in NATS (docs/planning.md, docs/subjects.md): the KV bucket `LF_TOOLS` (stream `KV_LF_TOOLS`,
 * subjects `$KV.LF_TOOLS.<tool>.<action>`), one key per tool action holding its {@link ToolCatalogEntry} as JSON.
 * Services create the bucket at start ({@link ensureToolCatalog}, from `ensureStreams`); tool workers put their
 * entries ({@link announceTools}); the gateway and the planner read them ({@link readToolCatalog}).
 */

/** Stream of the catalog bucket. */
export const TOOLS_STREAM = `KV_${TOOLS_BUCKET}`;

/**
 * Creates the bucket `LF_TOOLS` when missing (file storage, history 1: the last announcement of a key is what counts,
 * no TTL: an entry stays until a worker announces it again), else leaves it as it is. Safe when several processes call
 * it at once.
 * @throws the JetStream error when the bucket can be neither created nor read (JetStream off, a permissions violation).
 */
export async function ensureToolCatalog(nc: NatsConnection, options: { readonly replicas?: number } = {}): Promise<KV> {
  return new Kvm(nc).create(TOOLS_BUCKET, { history: 1, replicas: options.replicas ?? 1 });
}

/**
 * Puts each entry under `<tool>.<action>` (last writer wins) into an existing bucket, each put on its own (one refused
 * does not stop the others); a worker's NATS user may put only the keys of the tool subjects it serves (libs/contracts
 * `toolCatalogWriteSubjects`). `timeoutMs`: how long each put waits for JetStream's acknowledgement (default 5 s).
 * @throws Error naming every key not put and why (no bucket: `no responders`; a key not the worker's: a permissions
 *   violation), after trying them all.
 */
export async function announceTools(
  nc: NatsConnection,
  entries: readonly ToolCatalogEntry[],
  options: { readonly timeoutMs?: number } = {},
): Promise<void> {
  const kv = await new Kvm(nc).open(TOOLS_BUCKET, { timeout: options.timeoutMs ?? 5_000 });
  const failed: string[] = [];
  for (const entry of entries) {
    const key = toolCatalogKey(entry.tool, entry.action);
    try {
      await kv.put(key, JSON.stringify(entry));
    } catch (error) {
      failed.push(`${key}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failed.length > 0) throw new Error(`${TOOLS_BUCKET}: not announced ${failed.join('; ')}`);
}

/**
 * Every entry of the catalog, sorted by tool then action: the keys from the stream's per-subject state, then each key's
 * last value by direct get. Deleted keys and values that are not an entry's JSON are left out. An absent bucket is an
 * empty catalog.
 * @throws the JetStream error when the stream cannot be read (JetStream off, a permissions violation, a timeout).
 */
export async function readToolCatalog(nc: NatsConnection): Promise<ToolCatalogEntry[]> {
  const jsm = await jetstreamManager(nc);
  let keys: string[];
  try {
    const info = await jsm.streams.info(TOOLS_STREAM, { subjects_filter: `$KV.${TOOLS_BUCKET}.>` });
    const prefix = `$KV.${TOOLS_BUCKET}.`;
    keys = Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(prefix.length));
  } catch (error) {
    if ((error as { code?: number }).code === 10059 || /stream not found/.test(String(error))) return [];
    throw error;
  }
  const kv = await new Kvm(nc).open(TOOLS_BUCKET, { allow_direct: true });
  const entries: ToolCatalogEntry[] = [];
  for (const key of keys) {
    const value = await kv.get(key);
    if (value === null || value.operation !== 'PUT') continue;
    const entry = entryOf(value.string());
    if (entry) entries.push(entry);
  }
  return entries.sort((a, b) => compare(a.tool, b.tool) || compare(a.action, b.action));
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The entry a value holds, or undefined when it is not JSON with string `tool`, `action`, `capability`, `worker`. */
function entryOf(text: string): ToolCatalogEntry | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<ToolCatalogEntry> | null;
    if (parsed === null || typeof parsed !== 'object') return undefined;
    const strings = [parsed.tool, parsed.action, parsed.capability, parsed.worker];
    return strings.every((s) => typeof s === 'string') ? (parsed as ToolCatalogEntry) : undefined;
  } catch {
    return undefined;
  }
}
