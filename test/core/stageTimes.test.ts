import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseStageTimes, StageTimes } from '../../src/core/stageTimes.js';

describe('stage times', () => {
  it('charges each stage its own time: a stage timed inside another is taken off the outer one', async () => {
    const times = new StageTimes();
    await times.time('fetch', async () => {
      await sleep(50);
      await times.time('select', async () => {
        await sleep(50);
        await times.time('query', () => sleep(150));
      });
    });
    await times.time('query', () => sleep(10));
    // Without the nested time taken off, fetch would be 250 ms and select 200 ms (bounds wide for a loaded machine).
    expect(times.ms('fetch')).to.be.within(45, 200);
    expect(times.ms('select')).to.be.within(45, 150);
    expect(times.ms('query')).to.be.at.least(155);
    expect(times.ms('preprocess')).to.equal(0);
  });

  it('charges the time of a stage that throws, and closes it', async () => {
    const times = new StageTimes();
    const failed = await times
      .time('preprocess', async () => {
        await sleep(10);
        throw new Error('bad file');
      })
      .catch((e: Error) => e.message);
    expect(failed).to.equal('bad file');
    await times.time('POD drivers', () => sleep(10));
    expect(times.ms('preprocess')).to.be.greaterThan(5);
    expect(times.ms('POD drivers')).to.be.within(5, 40);
  });

  it('prints a table that parses back: start-up, the stages, the rest and the total', async () => {
    const times = new StageTimes();
    await times.time('query', () => sleep(5));
    const text = `some log line\n${times.format(100)}`;
    const parsed = parseStageTimes(text);
    expect(parsed['start-up']).to.equal(0.1);
    expect(parsed.query).to.be.greaterThan(0);
    const parts = Object.entries(parsed).filter(([k]) => k !== 'total');
    expect(parts.reduce((n, [, v]) => n + v, 0)).to.be.closeTo(parsed.total!, 0.005);
    expect(parseStageTimes('no table here')).to.deep.equal({});
  });
});
