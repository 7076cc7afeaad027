import { CommonConfig } from './common.config.js';
import { loadConfig } from './load-config.js';

describe('CommonConfig: event size and stream retention', () => {
  it('defaults to 960 KiB per event and 7 d / 1 GiB, 7 d / 256 MiB, 30 d / 256 MiB of retention', () => {
    expect(loadConfig(CommonConfig, {})).toMatchObject({
      LEDGERFLOW_MAX_EVENT_BYTES: 983_040,
      LEDGERFLOW_EVENTS_MAX_AGE_HOURS: 168,
      LEDGERFLOW_EVENTS_MAX_BYTES: 1_073_741_824,
      LEDGERFLOW_TRIGGERS_MAX_AGE_HOURS: 168,
      LEDGERFLOW_TRIGGERS_MAX_BYTES: 268_435_456,
      LEDGERFLOW_DLQ_MAX_AGE_HOURS: 720,
      LEDGERFLOW_DLQ_MAX_BYTES: 268_435_456,
    });
  });

  it.each([
    ['LEDGERFLOW_MAX_EVENT_BYTES', '100'],
    ['LEDGERFLOW_MAX_EVENT_BYTES', '1mb'],
    ['LEDGERFLOW_TRIGGERS_MAX_AGE_HOURS', '1'],
    ['LEDGERFLOW_EVENTS_MAX_BYTES', '1000'],
  ])('refuses %s=%s, naming the variable', (variable, value) => {
    expect(() => loadConfig(CommonConfig, { [variable]: value })).toThrow(new RegExp(variable));
  });
});
