/**
 * The AWS SDK warns on every client construction that its 2027 releases need Node 22. Lambda runs Node 24; the
 * local runtime may run on Node 20, where the warning is noise. Every other warning is still printed.
 */
export function silenceSdkNodeVersionWarning(): void {
  const listeners = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (String(warning).includes('NodeVersionSupportWarning')) return;
    if (listeners.length) listeners.forEach((listener) => listener(warning));
    else console.warn(warning);
  });
}
