import { WithAuthConfig } from '@ledgerflow/auth';
import { AnchorPublisherConfig } from '@ledgerflow/config';

/**
 * The planner's settings: privacy (it tokenizes run inputs), the anchor signing key (it hosts the anchor
 * publisher) and `LEDGERFLOW_AUTH_*`, to verify the operators' tokens the gateway forwards with operator
 * commands (the same settings as the gateway's).
 */
export class PlannerConfig extends WithAuthConfig(AnchorPublisherConfig) {}
