import { DefinitionError } from './definition.errors.js';
import { miniYaml } from './definition-fixtures.spec-util.js';
import { parseDefinition } from './parse-definition.js';
import { mapTriggerPayload, validateRunInput } from './run-input.js';

/** The issues a definition with this `trigger` is refused with (`[]` when it loads). */
function triggerIssues(trigger: unknown): Array<{ path: string; rule: string; message: string }> {
  try {
    parseDefinition(miniYaml({ trigger }), 'mini.yaml');
    return [];
  } catch (error) {
    if (!(error instanceof DefinitionError)) throw error;
    return error.errors.map(({ path, rule, message }) => ({ path, rule, message }));
  }
}

describe('trigger.schedule', () => {
  it('normalizes a schedule: the expression as written, UTC and catch-up one by default', () => {
    const definition = parseDefinition(miniYaml({ trigger: { schedule: '*/5 * * * *' } }), 'mini.yaml');
    expect(definition.trigger).toEqual({ schedule: { cron: '*/5 * * * *', timezone: 'UTC', catchUp: 'one' } });
  });

  it('keeps an event type, its input mapping and a 6-field schedule side by side', () => {
    const trigger = {
      type: 'claim.filed',
      input: '{"at": scheduledAt}',
      schedule: '* * * * * *',
      timezone: 'Europe/Paris',
      catchUp: 'all',
    };
    expect(parseDefinition(miniYaml({ trigger }), 'mini.yaml').trigger).toEqual({
      type: 'claim.filed',
      input: '{"at": scheduledAt}',
      schedule: { cron: '* * * * * *', timezone: 'Europe/Paris', catchUp: 'all' },
    });
  });

  it('accepts an event trigger without a schedule, as before', () => {
    expect(parseDefinition(miniYaml({ trigger: { type: 'claim.filed' } }), 'mini.yaml').trigger).toEqual({
      type: 'claim.filed',
    });
  });

  it.each([
    ['61 * * * *', 'cron_expression', /Invalid value for minute: 61/],
    ['every five minutes', 'cron_expression', /not a cron expression/],
    ['0 0 1 1 * 2030', 'cron_expression', /not a cron expression/], // 6 fields read with seconds first: 2030 is no weekday
    ['* * * * * * *', 'cron_expression', /5 or 6 parts/],
    ['0 0 30 2 *', 'cron_no_tick', /never fires/],
  ])('refuses schedule %j at /trigger/schedule (%s)', (schedule, rule, message) => {
    const issues = triggerIssues({ schedule });
    expect(issues).toEqual([{ path: '/trigger/schedule', rule, message: expect.stringMatching(message) }]);
  });

  it('refuses an unknown time zone at /trigger/timezone, and still checks the expression', () => {
    expect(triggerIssues({ schedule: '* * * * *', timezone: 'Mars/Olympus' })).toEqual([
      {
        path: '/trigger/timezone',
        rule: 'iana_timezone',
        message: expect.stringContaining('"Mars/Olympus" is not an IANA time zone name'),
      },
    ]);
    expect(triggerIssues({ schedule: '61 * * * *', timezone: 'Nowhere/Land' }).map((i) => [i.path, i.rule])).toEqual([
      ['/trigger/timezone', 'iana_timezone'],
      ['/trigger/schedule', 'cron_expression'],
    ]);
  });

  it('takes a UTC offset as a time zone (ECMA-402)', () => {
    expect(triggerIssues({ schedule: '0 9 * * *', timezone: '+01:00' })).toEqual([]);
  });

  it('refuses a catchUp other than none, one, all, and timezone/catchUp without a schedule', () => {
    expect(triggerIssues({ schedule: '* * * * *', catchUp: 'some' })).toEqual([
      { path: '/trigger/catchUp', rule: 'enum', message: expect.stringContaining('["none","one","all"]') },
    ]);
    expect(triggerIssues({ type: 'claim.filed', timezone: 'UTC' }).map((i) => [i.path, i.rule])).toContainEqual([
      '/trigger/timezone',
      'false schema',
    ]);
    expect(triggerIssues({}).map((i) => [i.path, i.rule])).toContainEqual(['/trigger/type', 'required']);
  });

  it('maps the scheduled payload {scheduledAt} with trigger.input, as docs/definitions.md shows', async () => {
    const trigger = { schedule: '*/5 * * * *', input: "{ 'day': $substring(scheduledAt, 0, 10) }" };
    const definition = parseDefinition(
      miniYaml({ trigger, inputSchema: { type: 'object', required: ['day'] } }),
      'mini.yaml',
    );
    const input = await mapTriggerPayload(definition, { scheduledAt: '2026-05-04T07:00:00.000Z' });
    expect(input).toEqual({ day: '2026-05-04' });
    expect(() => validateRunInput(definition, input)).not.toThrow();
  });

  it('names the file and the field in the error message', () => {
    expect(() => parseDefinition(miniYaml({ trigger: { schedule: '61 * * * *' } }), 'flows/mini.yaml')).toThrow(
      /^flows\/mini\.yaml: \/trigger\/schedule: "61 \* \* \* \*" is not a cron expression .*\(cron_expression\)$/,
    );
  });
});
