import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeDir, tempDir } from '@ledgerflow/testing';
import { documentsExtractTool, EXTRACT_CONFIDENCE, MAX_TEXT_CHARS } from './documents-extract.tool.js';
import type { ExtractOutput } from './documents-extract.tool.js';
import { startToolHarness, valueOf } from './tool-harness.spec-util.js';
import type { ToolHarness } from './tool-harness.spec-util.js';

const extract = (harness: ToolHarness, claimId: string, attachments: string[]) =>
  harness.call('documents', 'extract', { input: { claimId, attachments } });

describe('documents.extract over NATS (committed sample attachments)', () => {
  let harness: ToolHarness;
  beforeAll(async () => {
    harness = await startToolHarness([documentsExtractTool()]);
  });
  afterAll(async () => harness?.stop());

  it('parses a real PDF claim form and text attachments, taking the amount from the PDF', async () => {
    const value = valueOf(
      await extract(harness, 'CLM-2026-0002', [
        'claim-0002-form.pdf',
        'claim-0002-police-report.txt',
        'claim-0002-repair-estimate.txt',
      ]),
    );
    const output = value.output as ExtractOutput;
    expect(output.documents.map((d) => [d.file, d.kind, d.pages])).toEqual([
      ['claim-0002-form.pdf', 'pdf', 1],
      ['claim-0002-police-report.txt', 'text', 1],
      ['claim-0002-repair-estimate.txt', 'text', 1],
    ]);
    expect(output.documents[0]?.text).toContain('Claim number: CLM-2026-0002');
    expect(output.documents[0]?.text).toContain('Amount claimed: 12,345.67 EUR');
    expect(output.documents[1]?.text).toMatch(/^METROPOLITAN TRAFFIC POLICE/);
    expect(output).toMatchObject({ totalAmount: 12345.67, currency: 'EUR', lossType: 'collision' });
    expect(value.confidence).toBe(EXTRACT_CONFIDENCE.pdf);
    expect(value.lineage).toEqual({ source: 'document-store', fresh: true });
    // Usage: ~4 characters a token, read = the attachments' text, written = the output's JSON; $0.50/$1.50 per million.
    const read = Math.ceil(output.documents.reduce((chars, d) => chars + d.text.length, 0) / 4);
    expect(value.usage?.inputTokens).toBeGreaterThanOrEqual(read);
    expect(value.usage?.outputTokens).toBe(Math.ceil(JSON.stringify(output).length / 4));
    expect(value.usage?.costUsd).toBeCloseTo(
      (value.usage!.inputTokens! * 0.5 + value.usage!.outputTokens! * 1.5) / 1e6,
      9,
    );
  });

  it('counts the pages of a two-page PDF and reads an amount above a million', async () => {
    const output = valueOf(await extract(harness, 'CLM-2026-0005', ['claim-0005-form.pdf'])).output as ExtractOutput;
    expect(output.documents[0]?.pages).toBe(2);
    expect(output.documents[0]?.text).toContain('Itemised schedule - claim CLM-2026-0005');
    expect(output).toMatchObject({ totalAmount: 1_250_000, currency: 'EUR', lossType: 'storm' });
  });

  it('reads the amount from a text attachment alone, with lower confidence', async () => {
    const value = valueOf(await extract(harness, 'CLM-2026-0002', ['claim-0002-repair-estimate.txt']));
    const output = value.output as ExtractOutput;
    expect(output.documents[0]).toMatchObject({ kind: 'text', pages: 1 });
    expect(output.documents[0]?.text).toContain('Bletchley Body Works');
    expect(output).toMatchObject({ totalAmount: 12345.67, currency: 'EUR', lossType: null });
    expect(value.confidence).toBe(EXTRACT_CONFIDENCE.text);
  });

  it('returns null figures and the lowest confidence when no document states an amount', async () => {
    const value = valueOf(await extract(harness, 'CLM-2026-0003', ['claim-0003-police-report.txt']));
    expect(value.output).toMatchObject({ totalAmount: null, currency: null });
    expect(value.confidence).toBe(EXTRACT_CONFIDENCE.none);
  });

  it('replies document_not_found, not retryable, naming the missing file', async () => {
    const reply = await extract(harness, 'CLM-2026-0001', ['claim-0001-form.pdf', 'claim-9999-form.pdf']);
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error).toMatchObject({ code: 'document_not_found', retryable: false });
    expect(reply.error.message).toContain('claim-9999-form.pdf');
  });

  it('refuses a file name that leaves the document store', async () => {
    const reply = await extract(harness, 'CLM-2026-0001', ['../../data/policies.json']);
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error).toMatchObject({ code: 'invalid_attachment_name', retryable: false });
  });
});

describe('documents.extract with CLAIM_ATTACHMENTS_DIR-style base directory', () => {
  let harness: ToolHarness;
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('claim-attachments');
    await writeFile(join(dir, 'long-statement.txt'), `   Statement\n${'x'.repeat(5000)}\nAmount claimed: EUR 310.00\n`);
    await writeFile(join(dir, 'broken.pdf'), 'this is not a PDF');
    harness = await startToolHarness([documentsExtractTool({ attachmentsDir: dir })]);
  });
  afterAll(async () => {
    await harness?.stop();
    await removeDir(dir);
  });

  it('trims the text and keeps its first 2,000 characters, while reading the amount from the whole text', async () => {
    const output = valueOf(await extract(harness, 'CLM-2026-0100', ['long-statement.txt'])).output as ExtractOutput;
    expect(output.documents[0]?.text).toHaveLength(MAX_TEXT_CHARS);
    expect(output.documents[0]?.text.startsWith('Statement\nxxx')).toBe(true);
    expect(output).toMatchObject({ totalAmount: 310, currency: 'EUR' });
  });

  it('replies document_unreadable for a file that is not a PDF', async () => {
    const reply = await extract(harness, 'CLM-2026-0100', ['broken.pdf']);
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error).toMatchObject({ code: 'document_unreadable', retryable: false });
  });
});
