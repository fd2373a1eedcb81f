// Seat alert evaluation on a real SQLite log, as two instances would run it: both evaluating the same alert at once
// write one crossing (the alert stream's expected revision), evaluating again writes nothing, a late instance that
// walks from the alert stream decides the same, and `replay --verify`'s fold agrees, until the stream is tampered with.
import { createApplication } from '../../src/application/create-application';
import { checkSeatAlerts } from '../../src/cli/seat-alert-check';
import { accountStream, seatAlertStream } from '../../src/domain/streams';
import type { RecordedEvent } from '../../src/eventstore/port';
import { openWorkspace, type Workspace } from '../support/projection-world';

const ACCOUNT = 'acc-alerts';
const OWNER = 'owner-1';

describe('seat alert evaluation', () => {
  let ws: Workspace;

  beforeEach(async () => {
    ws = openWorkspace();
    await ws.log.openAccount(ACCOUNT, OWNER);
    await ws.log.purchase(ACCOUNT, 'VIDEO_MEETING', 'video-standard', 10);
    for (let i = 0; i < 7; i++) await ws.log.assign(ACCOUNT, 'VIDEO_MEETING', 'video-standard', `user-${i}`);
    await ws.log.append(
      accountStream(ACCOUNT),
      'SeatAlertSet',
      { accountId: ACCOUNT, product: 'VIDEO_MEETING', kind: 'AVAILABLE_AT_MOST', threshold: 2 },
      { accountId: ACCOUNT, actorId: OWNER },
    );
  });
  afterEach(() => ws.close());

  async function alertEvents(): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of ws.store.readStream(seatAlertStream(ACCOUNT, 'VIDEO_MEETING'))) events.push(event);
    return events;
  }

  it('two instances racing write one crossing, caused by the event that crossed; again writes nothing', async () => {
    const crossing = await ws.log.assign(ACCOUNT, 'VIDEO_MEETING', 'video-standard', 'user-7');
    await ws.log.assign(ACCOUNT, 'VIDEO_MEETING', 'video-standard', 'user-8');
    const one = createApplication({ store: ws.store });
    const two = createApplication({ store: ws.store });

    const appended = await Promise.all([
      one.seatAlerts.evaluate(ACCOUNT, 'VIDEO_MEETING'),
      two.seatAlerts.evaluate(ACCOUNT, 'VIDEO_MEETING'),
    ]);

    const events = await alertEvents();
    expect(events.map((e) => e.type)).toEqual(['SeatThresholdCrossed']);
    expect(appended.reduce((a, b) => a + b, 0)).toBe(1);
    expect(events[0]?.data).toMatchObject({ assigned: 8, available: 2, threshold: 2 });
    expect(events[0]?.metadata).toMatchObject({ actorId: 'system', onBehalfOf: 'system' });
    let causePosition: string | undefined;
    for await (const event of ws.store.readAll())
      if (event.id === events[0]?.metadata.causationId) causePosition = event.position;
    expect(causePosition).toBe(crossing);

    expect(await one.seatAlerts.evaluate(ACCOUNT, 'VIDEO_MEETING')).toBe(0);
    // A fresh instance walks from the alert stream's last transition and decides nothing new either.
    expect(await createApplication({ store: ws.store }).seatAlerts.evaluate(ACCOUNT, 'VIDEO_MEETING')).toBe(0);
    expect((await alertEvents()).length).toBe(1);
  });

  it('a late evaluation decides every step in log order: crossed, cleared, crossed again', async () => {
    await ws.log.assign(ACCOUNT, 'VIDEO_MEETING', 'video-standard', 'user-7');
    await ws.log.revoke(ACCOUNT, 'VIDEO_MEETING', 'video-standard', 'user-7');
    await ws.log.assign(ACCOUNT, 'VIDEO_MEETING', 'video-standard', 'user-7');

    expect(await createApplication({ store: ws.store }).seatAlerts.evaluate(ACCOUNT, 'VIDEO_MEETING')).toBe(3);

    expect((await alertEvents()).map((e) => e.type)).toEqual([
      'SeatThresholdCrossed',
      'SeatThresholdCleared',
      'SeatThresholdCrossed',
    ]);
    expect(await checkSeatAlerts(ws.store)).toEqual({ alerts: 1, crossings: 2, differences: [] });
  });

  it("replay --verify's fold reports an alert stream that the log does not explain", async () => {
    await ws.log.assign(ACCOUNT, 'VIDEO_MEETING', 'video-standard', 'user-7');
    await createApplication({ store: ws.store }).seatAlerts.evaluate(ACCOUNT, 'VIDEO_MEETING');
    const [crossed] = await alertEvents();
    await ws.log.append(
      seatAlertStream(ACCOUNT, 'VIDEO_MEETING'),
      'SeatThresholdCleared',
      { ...crossed?.data },
      {
        accountId: ACCOUNT,
      },
    );

    const report = await checkSeatAlerts(ws.store);

    expect(report.differences).toEqual([
      expect.stringMatching(
        /^alert-acc-alerts-VIDEO_MEETING #1: the stream has SeatThresholdCleared .*the log says nothing$/,
      ),
    ]);
  });
});
