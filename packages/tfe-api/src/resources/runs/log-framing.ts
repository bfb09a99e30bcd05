import type { LogSlice } from "@terrapod/core";

const STX = 0x02;
const ETX = 0x03;

/**
 * The byte stream the CLIs' log reader expects (tfe-protocol.md §5.7): STX, the log, and ETX once the
 * phase is over. `offset`/`limit` address that framed stream; the log itself starts at framed offset 1.
 * ETX is only ever the last byte of a response. Nothing (200, empty) while the phase has not started.
 */
export async function frameLog(
  read: (logOffset: number, logLimit: number) => Promise<LogSlice>,
  offset: number,
  limit: number,
): Promise<{ bytes: Uint8Array; ended: boolean }> {
  const withStx = offset === 0;
  const logOffset = Math.max(0, offset - 1);
  const room = withStx ? limit - 1 : limit;
  const slice = await read(logOffset, Math.max(room, 0));
  if (!slice.started) return { bytes: new Uint8Array(), ended: false };
  const reachesEnd = logOffset + slice.data.byteLength >= slice.total;
  // ETX sits at framed position total+1: include it once, when this response reaches it and has room.
  const addEtx =
    slice.complete &&
    reachesEnd &&
    logOffset <= slice.total &&
    (withStx ? 1 : 0) + slice.data.byteLength < limit;
  const out = new Uint8Array((withStx ? 1 : 0) + slice.data.byteLength + (addEtx ? 1 : 0));
  let i = 0;
  if (withStx) out[i++] = STX;
  out.set(slice.data, i);
  i += slice.data.byteLength;
  if (addEtx) out[i] = ETX;
  return { bytes: out, ended: addEtx };
}
