/**
 * Shutdown promises to stop what a local run started in reverse order (the last started stops first), to clear the
 * timers it runs, and — after a start that failed — to run every step whatever each one does.
 */
import { Shutdown } from '../../../lib/local/shutdown';

describe('Shutdown', () => {
  test('runs its steps in reverse order of adding them', async () => {
    const shutdown = new Shutdown();
    const stopped: string[] = [];
    for (const name of ['emulators', 'central', 'gateway']) shutdown.add(async () => void stopped.push(name));
    await shutdown.run();
    expect(stopped).toEqual(['gateway', 'central', 'emulators']);
  });

  test('a failing step stops the run and rejects with its error', async () => {
    const shutdown = new Shutdown();
    const stopped: string[] = [];
    shutdown.add(async () => void stopped.push('first'));
    shutdown.add(async () => {
      throw new Error('cannot stop');
    });
    await expect(shutdown.run()).rejects.toThrow('cannot stop');
    expect(stopped).toEqual([]);
  });

  test('after a failed start, every step runs whatever the others do', async () => {
    const shutdown = new Shutdown();
    const stopped: string[] = [];
    shutdown.add(async () => void stopped.push('first'));
    shutdown.add(async () => {
      throw new Error('cannot stop');
    });
    shutdown.add(async () => void stopped.push('last'));
    await shutdown.runIgnoringErrors();
    expect(stopped).toEqual(['last', 'first']);
  });

  test('a repeated task runs on its interval until the shutdown, and its timer keeps no process alive', async () => {
    jest.useFakeTimers();
    try {
      const shutdown = new Shutdown();
      const task = jest.fn();
      const setInterval = jest.spyOn(global, 'setInterval');
      shutdown.every(1000, task);
      expect((setInterval.mock.results[0].value as NodeJS.Timeout).hasRef()).toBe(false);
      jest.advanceTimersByTime(3000);
      expect(task).toHaveBeenCalledTimes(3);
      await shutdown.run();
      jest.advanceTimersByTime(3000);
      expect(task).toHaveBeenCalledTimes(3);
    } finally {
      jest.useRealTimers();
      jest.restoreAllMocks();
    }
  });
});
