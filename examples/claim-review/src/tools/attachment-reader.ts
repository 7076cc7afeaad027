import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { PDFParse } from 'pdf-parse';
import { ToolError } from '@ledgerflow/sdk';

/** One attachment as read from the document store. */
export interface ReadAttachment {
  /** The attachment's file name, as given in the claim. */
  readonly file: string;
  readonly kind: 'pdf' | 'text';
  /** Page count (a text file counts as one page). */
  readonly pages: number;
  /** The whole text (pages of a PDF joined by a blank line). */
  readonly text: string;
}

/** Attachment names are plain file names: no directory part, so a claim can only read its own store. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Reads attachment `file` from directory `baseDir`: `.pdf` through pdf-parse (pdf.js), `.txt` as UTF-8.
 *
 * @throws ToolError `invalid_attachment_name` (not a plain file name), `unsupported_attachment` (another
 *   extension), `document_not_found` (no such file), `document_unreadable` (a PDF pdf.js cannot parse);
 *   none retryable.
 */
export async function readAttachment(baseDir: string, file: string): Promise<ReadAttachment> {
  if (!FILE_NAME.test(file)) {
    throw new ToolError(
      'invalid_attachment_name',
      `attachment "${file}" must be a plain file name matching ${FILE_NAME}`,
      { retryable: false },
    );
  }
  const extension = extname(file).toLowerCase();
  if (extension !== '.pdf' && extension !== '.txt') {
    throw new ToolError(
      'unsupported_attachment',
      `attachment "${file}" has extension "${extension}"; only .pdf and .txt are read`,
      { retryable: false },
    );
  }
  const root = resolve(baseDir);
  const path = resolve(root, file);
  if (!path.startsWith(root + sep)) {
    throw new ToolError('invalid_attachment_name', `attachment "${file}" resolves outside the document store`, {
      retryable: false,
    });
  }
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      throw new ToolError('document_not_found', `attachment "${file}" was not found in the document store`, {
        retryable: false,
      });
    }
    throw error;
  });
  if (extension === '.txt') return { file, kind: 'text', pages: 1, text: bytes.toString('utf8') };
  return { file, kind: 'pdf', ...(await parsePdf(file, bytes)) };
}

async function parsePdf(file: string, bytes: Buffer): Promise<{ pages: number; text: string }> {
  const parser = new PDFParse({ data: new Uint8Array(bytes) });
  try {
    const result = await parser.getText();
    return { pages: result.total, text: result.pages.map((page) => page.text).join('\n\n') };
  } catch (error) {
    throw new ToolError(
      'document_unreadable',
      `attachment "${file}" is not a readable PDF: ${(error as Error).message}`,
      { retryable: false },
    );
  } finally {
    await parser.destroy();
  }
}
