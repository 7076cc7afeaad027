/** The printed content of one sample claim form (fictitious insurer, people and companies). */
export interface ClaimForm {
  /** Output file name in `claims/attachments/`. */
  readonly file: string;
  readonly claimId: string;
  readonly policyNumber: string;
  readonly claimant: string;
  readonly email: string;
  readonly incidentDate: string;
  readonly typeOfLoss: string;
  readonly description: string;
  /** As printed on the `Amount claimed:` line, e.g. `4,820.50 EUR`. */
  readonly amountClaimed: string;
  /** Lines of an itemised schedule, printed on a second page when present. */
  readonly schedule?: readonly string[];
}

/** The claim forms of the six sample claims in `claims/*.json` (see README.md for each expected outcome). */
export const CLAIM_FORMS: readonly ClaimForm[] = [
  {
    file: 'claim-0001-form.pdf',
    claimId: 'CLM-2026-0001',
    policyNumber: 'POL-HOME-100231',
    claimant: 'Ada Lovelace',
    email: 'ada.lovelace@example.com',
    incidentDate: '2026-02-14',
    typeOfLoss: 'Water damage',
    description: 'A washing machine hose burst in the kitchen and water soaked the floor and the lower cabinets.',
    amountClaimed: '4,820.50 EUR',
  },
  {
    file: 'claim-0002-form.pdf',
    claimId: 'CLM-2026-0002',
    policyNumber: 'POL-AUTO-200417',
    claimant: 'Alan Turing',
    email: 'alan.turing@example.com',
    incidentDate: '2026-03-03',
    typeOfLoss: 'Collision',
    description: 'Rear-ended at a red light on Station Road; the other driver accepted fault at the scene.',
    amountClaimed: '12,345.67 EUR',
  },
  {
    file: 'claim-0003-form.pdf',
    claimId: 'CLM-2026-0003',
    policyNumber: 'POL-HOME-100877',
    claimant: 'Grace Hopper',
    email: 'grace.hopper@example.com',
    incidentDate: '2026-01-20',
    typeOfLoss: 'Theft',
    description: 'Two bicycles and a laptop were taken from the locked garage overnight; the lock was cut.',
    amountClaimed: '2,150.00 EUR',
  },
  {
    file: 'claim-0004-form.pdf',
    claimId: 'CLM-2026-0004',
    policyNumber: 'POL-HOME-101552',
    claimant: 'Katherine Johnson',
    email: 'katherine.johnson@example.com',
    incidentDate: '2026-02-27',
    typeOfLoss: 'Fire',
    description: 'An electrical fault started a fire in the attic; the roof and the upper floor need rebuilding.',
    amountClaimed: '72,500.00 EUR',
  },
  {
    file: 'claim-0005-form.pdf',
    claimId: 'CLM-2026-0005',
    policyNumber: 'POL-COM-900015',
    claimant: 'Analytical Engines Ltd',
    email: 'claims@analytical-engines.example.com',
    incidentDate: '2026-02-08',
    typeOfLoss: 'Storm',
    description: 'Storm winds tore off the warehouse roof; stock and machinery were exposed to rain for two days.',
    amountClaimed: '1,250,000.00 EUR',
    schedule: [
      'Warehouse roof structure and cladding ........ 480,000.00 EUR',
      'Machinery (3 lathes, 1 press) ................ 395,000.00 EUR',
      'Stock written off ............................ 310,000.00 EUR',
      'Business interruption (6 weeks) ..............  65,000.00 EUR',
      'Total ........................................ 1,250,000.00 EUR',
    ],
  },
  {
    file: 'claim-0006-form.pdf',
    claimId: 'CLM-2026-0006',
    policyNumber: 'POL-HOME-100964',
    claimant: 'Emmy Noether',
    email: 'emmy.noether@example.com',
    incidentDate: '2026-03-10',
    typeOfLoss: 'Water damage',
    description: 'A frozen pipe split in the bathroom wall and water ran through the ceiling of the living room.',
    amountClaimed: '8,900.00 EUR',
  },
];
