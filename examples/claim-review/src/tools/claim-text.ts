/** Figures read from the text of a claim document. */
export interface AmountClaimed {
  /** The amount in major units of `currency` (e.g. 12345.67). */
  readonly amount: number;
  /** ISO 4217 code, upper case (e.g. `EUR`). */
  readonly currency: string;
}

/**
 * `Amount claimed: 12,345.67 EUR` (the line every sample claim form carries; `,` groups thousands, `.` marks
 * decimals). The currency may also come first: `Amount claimed: EUR 12,345.67`.
 */
const AMOUNT_LINE =
  /amount claimed:[ \t]*(?:([A-Z]{3})[ \t]+)?(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?(?:[ \t]+([A-Z]{3}))?/i;

/** `Type of loss: Water damage` on the claim form. */
const LOSS_TYPE_LINE = /type of loss:[ \t]*([A-Za-z][A-Za-z \t-]*[A-Za-z])/i;

/**
 * The first `Amount claimed:` line of `text`, parsed; undefined when there is none or it names no currency.
 *
 * @example findAmountClaimed('Amount claimed: 12,345.67 EUR') // { amount: 12345.67, currency: 'EUR' }
 */
export function findAmountClaimed(text: string): AmountClaimed | undefined {
  const match = AMOUNT_LINE.exec(text);
  if (!match) return undefined;
  const [, currencyBefore, whole, fraction, currencyAfter] = match;
  const currency = (currencyBefore ?? currencyAfter)?.toUpperCase();
  if (!currency || whole === undefined) return undefined;
  const amount = Number(`${whole.replaceAll(',', '')}${fraction ?? ''}`);
  return Number.isFinite(amount) ? { amount, currency } : undefined;
}

/**
 * The `Type of loss:` line of `text` as a peril id (lower case, words joined by `_`, e.g. `water_damage`);
 * undefined when there is none.
 */
export function findLossType(text: string): string | undefined {
  const match = LOSS_TYPE_LINE.exec(text);
  return match?.[1]
    ?.trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}
