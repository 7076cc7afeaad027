import { parseCapabilityPack } from './cedar-pack.js';
import type { CapabilityPack } from './pack.types.js';

/** `<id>@<version>` of the built-in capability pack. */
export const CORE_PACK = 'ledgerflow-core@1.0.0';

/**
 * The built-in capability pack `ledgerflow-core@1.0.0` (least privilege over a definition's
 * `agents{id: capabilities[]}`; docs/policies.md, "Packs"): an agent may use only the `tool.action` capabilities its
 * definition declares. It is the only `permit`: without it (or another permit) Cedar denies everything.
 */
export const CORE_PACK_TEXT = `// @pack ${CORE_PACK}
// @description An agent may use only the tool actions (capabilities) its workflow definition declares.
@id("declared-capability")
@rationale("agent {agent} may use {capability}")
@otherwise("agent {agent} is not granted {capability} (granted: {capabilities})")
permit (principal is Agent, action, resource)
when { principal.capabilities.contains(context.capability) };
`;

/** The parsed built-in pack (source `builtin:ledgerflow-core@1.0.0`). */
export function corePack(): CapabilityPack {
  return parseCapabilityPack(CORE_PACK_TEXT, `builtin:${CORE_PACK}`);
}
