import { messagingSpanName, natsAttributes, subjectTemplate } from './tracing.js';

describe('messaging span names and attributes', () => {
  it.each([
    ['lf.evt.run.run-3f2c9a4e-1b7d-4c1e-9a55-0d5c2f1e8b61.StepSucceeded', 'lf.evt.run.*.StepSucceeded'],
    ['lf.evt.workflow.workflow-claims.WorkflowRegistered', 'lf.evt.workflow.*.WorkflowRegistered'],
    ['lf.anchor.run.run-42', 'lf.anchor.run.*'],
    ['lf.trigger.claim-review', 'lf.trigger.*'],
    ['lf.trigger-rejected.claim-review', 'lf.trigger-rejected.*'],
    ['lf.executor.presence.host-1-4242', 'lf.executor.presence.*'],
    ['lf.policy.evaluate', 'lf.policy.evaluate'],
    ['lf.tool.documents.extract', 'lf.tool.documents.extract'],
    ['lf.dlq.executor', 'lf.dlq.executor'],
    ['orders.created', 'orders.created'],
  ])('templates %s as %s', (subject, template) => {
    expect(subjectTemplate(subject)).toBe(template);
  });

  it('names a span by operation and template, and keeps the concrete subject as an attribute', () => {
    const subject = 'lf.evt.run.run-42.StepSucceeded';
    expect(messagingSpanName('process', subject)).toBe('process lf.evt.run.*.StepSucceeded');
    expect(natsAttributes(subject, 'process', 'process', { messageId: 'evt-1', consumerGroup: 'executor' })).toEqual({
      'messaging.system': 'nats',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': subject,
      'messaging.destination.template': 'lf.evt.run.*.StepSucceeded',
      'messaging.message.id': 'evt-1',
      'messaging.consumer.group.name': 'executor',
    });
  });

  it('leaves out the template when the subject holds no id, and details not known', () => {
    expect(natsAttributes('lf.policy.evaluate', 'send', 'request', { bodySize: 12 })).toEqual({
      'messaging.system': 'nats',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'request',
      'messaging.destination.name': 'lf.policy.evaluate',
      'messaging.message.body.size': 12,
    });
  });
});
