import { readFile } from 'node:fs/promises';
import { UsageError } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { definitionFiles } from './workflows.command.js';

// @ledgerflow/definitions compiles its schemas when loaded (Ajv, about half a second of CPU): loaded by these two
// commands only, so that every other command (and --help, --version, completion) starts without it.
const definitions = () => import('@ledgerflow/definitions');
type Definitions = Awaited<ReturnType<typeof definitions>>;

/** `WORKFLOW_SCHEMA_FILE` of @ledgerflow/definitions, for the help texts. */
const SCHEMA_FILE = 'schemas/workflow.schema.json';

/**
 * `ledgerflow workflows validate <file|dir>...`: checks workflow definitions (YAML, or JSON, which is YAML too) on
 * this machine, with no gateway, exactly as the gateway checks them at registration (`readDefinitionSource` of
 * `@ledgerflow/definitions`): YAML syntax (line and column), the JSON Schema published as
 * `schemas/workflow.schema.json`, then embedded schemas, expressions, gates' reviewers, declared tools and agents,
 * `maxSteps`, the plan (cycles, unknown dependencies) and recoveries. Output per file: `<file>: ok (<id>@<version>,
 * N step(s))`, or `<file>: <code>` followed by one line per problem, `  <where>: <message> (<rule>)`, where `<where>`
 * is the JSON pointer of the field (`/steps/2/dependsOn/0`) or the line and column of a syntax error.
 * Exit codes: 0 every file is valid, 1 a file is not, 2 usage errors (no file, a path that does not exist, an
 * unreadable file).
 */
const validate: CliCommand = {
  path: ['workflows', 'validate'],
  usage: 'workflows validate <file|dir>...',
  summary: 'Check definitions locally, with the checks the gateway applies (no gateway needed)',
  arguments: [
    { name: '<file|dir...>', description: 'definition files (YAML or JSON), or directories of *.yaml/*.yml' },
  ],
  details: `The JSON Schema alone is ${SCHEMA_FILE} (ledgerflow workflows schema prints it).\nExit codes: 0 every file is valid, 1 a file is not, 2 usage errors.`,
  async run({ positional }, io) {
    const files = (await Promise.all(positional.map(definitionFiles))).flat();
    const { readDefinitionSource, DefinitionError } = await definitions();
    const check = (file: string, text: string) => validateOne(file, text, io, readDefinitionSource, DefinitionError);
    let invalid = 0;
    for (const file of files) if (!check(file, await readText(file))) invalid += 1;
    if (files.length > 1) io.out(`${files.length - invalid} of ${files.length} valid\n`);
    return invalid === 0 ? 0 : 1;
  },
};

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Prints the verdict on one definition; true when it is valid. */
function validateOne(
  file: string,
  text: string,
  io: CliIo,
  readDefinitionSource: Definitions['readDefinitionSource'],
  DefinitionError: Definitions['DefinitionError'],
): boolean {
  try {
    const { definition } = readDefinitionSource(text, file);
    io.out(
      `${file}: ok (${definition.id}@${definition.version}, ${definition.steps.length} step${definition.steps.length === 1 ? '' : 's'})\n`,
    );
    return true;
  } catch (error) {
    if (!(error instanceof DefinitionError)) throw error;
    io.out(`${file}: ${error.code}\n`);
    for (const issue of error.errors) {
      const where =
        issue.line !== undefined
          ? `line ${issue.line}, column ${issue.column ?? 1}`
          : issue.path === ''
            ? '/'
            : issue.path;
      io.out(`  ${where}: ${issue.message} (${issue.rule})\n`);
    }
    return false;
  }
}

/**
 * `ledgerflow workflows schema`: prints the JSON Schema of a definition file, as committed in
 * `schemas/workflow.schema.json` (generated from libs/definitions; regenerate it with
 * `npx ledgerflow workflows schema > schemas/workflow.schema.json`).
 */
const schema: CliCommand = {
  path: ['workflows', 'schema'],
  usage: 'workflows schema',
  summary: `Print the JSON Schema of a definition file (${SCHEMA_FILE}), for editors`,
  details: 'Exit code: 0.',
  async run(_args, io) {
    io.out((await definitions()).workflowJsonSchemaText());
    return 0;
  },
};

/** `workflows validate` and `workflows schema`, for `runCli`. */
export const workflowsLocalCommands: CliCommand[] = [validate, schema];
