import { defineTool, result } from '@ledgerflow/sdk';
import { defaultAttachmentsDir } from '../paths.js';
import { readAttachment } from './attachment-reader.js';
import type { ReadAttachment } from './attachment-reader.js';
import { findAmountClaimed, findLossType } from './claim-text.js';

/** Input of `documents.extract`: the claim id and its attachments' file names (no directories). */
export interface ExtractInput {
  readonly claimId: string;
  readonly attachments: readonly string[];
}

/** One extracted document; `text` is trimmed and cut to its first {@link MAX_TEXT_CHARS} characters. */
export interface ExtractedDocument {
  readonly file: string;
  readonly kind: 'pdf' | 'text';
  readonly pages: number;
  readonly text: string;
}

/**
 * Output of `documents.extract`. `totalAmount`/`currency` come from the first `Amount claimed:` line (PDFs
 * searched before text files); both null when no document has one. `lossType` comes from a
 * `Type of loss:` line (e.g. `water_damage`), null when none has one.
 */
export interface ExtractOutput {
  readonly documents: readonly ExtractedDocument[];
  readonly totalAmount: number | null;
  readonly currency: string | null;
  readonly lossType: string | null;
}

export interface DocumentsExtractOptions {
  /** Document store directory; default env `CLAIM_ATTACHMENTS_DIR`, else `<package>/claims/attachments`. */
  readonly attachmentsDir?: string;
}

export const MAX_TEXT_CHARS = 2000;

/**
 * Confidence of the extraction (0..1): 0.95 when the amount line was read from a PDF claim form (machine
 * text), 0.7 when only a plain-text attachment stated it, 0.2 when no attachment did. Figures chosen for
 * the example; a real document service would report its OCR/parse confidence.
 */
export const EXTRACT_CONFIDENCE = { pdf: 0.95, text: 0.7, none: 0.2 } as const;

/**
 * Token and cost usage the extraction reports (`usage` beside the output; memory sums it per run, step and workflow):
 * tokens as a language model would count them, about 4 characters each (the usual rule of thumb for English text),
 * read = the attachments' text, written = the output's JSON; priced at US$0.50 per million read and US$1.50 per
 * million written. Figures chosen for the example; a model-backed extractor would report its provider's counts.
 */
export function extractionUsage(
  readChars: number,
  output: unknown,
): { inputTokens: number; outputTokens: number; costUsd: number } {
  const inputTokens = Math.ceil(readChars / 4);
  const outputTokens = Math.ceil(JSON.stringify(output).length / 4);
  const costUsd = Math.round((inputTokens * 0.5 + outputTokens * 1.5) * 1000) / 1e9;
  return { inputTokens, outputTokens, costUsd };
}

const inputSchema = {
  type: 'object',
  required: ['claimId', 'attachments'],
  additionalProperties: false,
  properties: {
    claimId: { type: 'string', minLength: 1 },
    attachments: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', minLength: 1 } },
  },
} as const;

const outputSchema = {
  type: 'object',
  required: ['documents', 'totalAmount', 'currency', 'lossType'],
  properties: {
    documents: {
      type: 'array',
      items: {
        type: 'object',
        required: ['file', 'kind', 'pages', 'text'],
        properties: {
          file: { type: 'string' },
          kind: { enum: ['pdf', 'text'] },
          pages: { type: 'integer', minimum: 1 },
          text: { type: 'string', maxLength: MAX_TEXT_CHARS },
        },
      },
    },
    totalAmount: { type: ['number', 'null'] },
    currency: { type: ['string', 'null'] },
    lossType: { type: ['string', 'null'] },
  },
} as const;

/**
 * `documents.extract`: reads every attachment of a claim from the document store (a directory) and returns
 * its text, the amount claimed and the type of loss, with lineage `{ source: 'document-store', fresh: true }`.
 *
 * @throws ToolError `document_not_found` (non-retryable) naming the missing file; see {@link readAttachment}
 *   for the other codes.
 */
export function documentsExtractTool(options: DocumentsExtractOptions = {}) {
  const baseDir = options.attachmentsDir ?? process.env['CLAIM_ATTACHMENTS_DIR'] ?? defaultAttachmentsDir;
  return defineTool<ExtractInput, ExtractOutput>({
    tool: 'documents',
    action: 'extract',
    description: 'Read the attachments of a claim (PDF and text) and extract the amount claimed and type of loss.',
    inputSchema,
    outputSchema,
    async handler(input) {
      const read: ReadAttachment[] = [];
      for (const file of input.attachments) read.push(await readAttachment(baseDir, file));
      const fromPdf = firstFound(
        read.filter((doc) => doc.kind === 'pdf'),
        findAmountClaimed,
      );
      const found =
        fromPdf ??
        firstFound(
          read.filter((doc) => doc.kind === 'text'),
          findAmountClaimed,
        );
      const output: ExtractOutput = {
        documents: read.map(({ file, kind, pages, text }) => ({
          file,
          kind,
          pages,
          text: text.trim().slice(0, MAX_TEXT_CHARS),
        })),
        totalAmount: found?.amount ?? null,
        currency: found?.currency ?? null,
        lossType: firstFound(read, findLossType) ?? null,
      };
      const confidence = fromPdf ? EXTRACT_CONFIDENCE.pdf : found ? EXTRACT_CONFIDENCE.text : EXTRACT_CONFIDENCE.none;
      const usage = extractionUsage(
        read.reduce((chars, doc) => chars + doc.text.length, 0),
        output,
      );
      return result(output, { confidence, usage, lineage: { source: 'document-store', fresh: true } });
    },
  });
}

function firstFound<T>(docs: readonly ReadAttachment[], find: (text: string) => T | undefined): T | undefined {
  for (const doc of docs) {
    const value = find(doc.text);
    if (value !== undefined) return value;
  }
  return undefined;
}
