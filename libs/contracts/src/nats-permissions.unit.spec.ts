import { LEASES_BUCKET, NATS_SERVICE_PRINCIPALS, leaseSubjects, servicePermissions } from './nats-permissions.js';

describe('lease permissions', () => {
  it('name the bucket stream, the key subject and its direct get, for each key', () => {
    expect(leaseSubjects(['relay'])).toEqual([
      '$JS.API.STREAM.INFO.KV_LF_LEASES',
      '$JS.API.STREAM.CREATE.KV_LF_LEASES',
      '$KV.LF_LEASES.relay',
      '$JS.API.DIRECT.GET.KV_LF_LEASES.$KV.LF_LEASES.relay',
    ]);
    expect(leaseSubjects([])).toEqual([]);
  });

  it('the planner alone may hold a lease, the relay one', () => {
    for (const service of NATS_SERVICE_PRINCIPALS) {
      const leaseRights = servicePermissions(service, '_INBOX_U').publish.filter((s) => s.includes(LEASES_BUCKET));
      expect(leaseRights).toEqual(service === 'planner' ? leaseSubjects(['relay']) : []);
    }
  });
});
