/** Text written into XML by the layer (error bodies, SOAP faults and answers, metadata lists). */

/** Escapes text for XML content and attribute values; characters XML 1.0 cannot carry at all are dropped. */
export function escapeXml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/[<>&'"\r]/g, (character) => `&#${character.charCodeAt(0)};`)
  );
}
