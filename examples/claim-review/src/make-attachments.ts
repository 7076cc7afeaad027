/**
 * Generates the sample claim-form PDFs (`claims/attachments/claim-000N-form.pdf`) from {@link CLAIM_FORMS}
 * with pdf-lib. The output is committed; re-run after changing a form:
 * `npx tsc -b examples/claim-review && node examples/claim-review/dist/make-attachments.js [outDir]`.
 * Dates and metadata are fixed so the same forms give the same bytes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import type { PDFFont, PDFPage } from 'pdf-lib';
import { CLAIM_FORMS } from './claim-forms.js';
import type { ClaimForm } from './claim-forms.js';
import { defaultAttachmentsDir } from './paths.js';

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 56;
const FIXED_DATE = new Date('2026-03-15T00:00:00Z');

/** The PDF bytes of one claim form (one page, two with an itemised schedule). */
export async function renderClaimForm(form: ClaimForm): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  doc.setTitle(`Claim form ${form.claimId}`);
  doc.setAuthor('Northwind Mutual (fictitious insurer)');
  doc.setProducer('ledgerflow claim-review make-attachments');
  doc.setCreator('pdf-lib');
  doc.setCreationDate(FIXED_DATE);
  doc.setModificationDate(FIXED_DATE);

  const page = doc.addPage(A4);
  let y = A4[1] - MARGIN;
  const line = (text: string, font = regular, size = 11, gap = 18): void => {
    page.drawText(text, { x: MARGIN, y, size, font, color: rgb(0.1, 0.1, 0.1) });
    y -= gap;
  };
  line('Northwind Mutual - Property & Motor Claims', bold, 15, 24);
  line('CLAIM FORM (sample document, fictitious data)', bold, 12, 30);
  line(`Claim number: ${form.claimId}`);
  line(`Policy number: ${form.policyNumber}`);
  line(`Claimant: ${form.claimant}`);
  line(`Email: ${form.email}`);
  line(`Date of incident: ${form.incidentDate}`);
  line(`Type of loss: ${form.typeOfLoss}`, regular, 11, 26);
  line('Description of the loss:', bold);
  for (const wrapped of wrap(form.description, regular, 11, A4[0] - 2 * MARGIN)) line(wrapped);
  y -= 10;
  line(`Amount claimed: ${form.amountClaimed}`, bold, 12, 30);
  if (form.schedule) line('An itemised schedule of the loss is attached (page 2).');
  line('I declare that the information given is true and complete.', regular, 10, 16);
  line(`Signed: ${form.claimant}`, regular, 10);

  if (form.schedule) drawSchedule(doc.addPage(A4), form, regular, bold);
  return doc.save({ useObjectStreams: false });
}

function drawSchedule(page: PDFPage, form: ClaimForm, regular: PDFFont, bold: PDFFont): void {
  let y = A4[1] - MARGIN;
  page.drawText(`Itemised schedule - claim ${form.claimId}`, { x: MARGIN, y, size: 13, font: bold });
  y -= 28;
  for (const item of form.schedule ?? []) {
    page.drawText(item, { x: MARGIN, y, size: 10, font: regular });
    y -= 16;
  }
}

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/)) {
    const candidate = current ? `${current} ${word}` : word;
    if (current && font.widthOfTextAtSize(candidate, size) > width) {
      lines.push(current);
      current = word;
    } else current = candidate;
  }
  if (current) lines.push(current);
  return lines;
}

async function main(): Promise<void> {
  const outDir = process.argv[2] ?? defaultAttachmentsDir;
  await mkdir(outDir, { recursive: true });
  for (const form of CLAIM_FORMS) {
    await writeFile(join(outDir, form.file), await renderClaimForm(form));
    process.stdout.write(`wrote ${join(outDir, form.file)}\n`);
  }
}

await main();
