import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { socketClosedWhenDone } from '../../../src/memory/postgres/connection.js';

let server: Server | undefined;
// Both ends of every connection made, destroyed after each test whatever it asserted.
const peers: Socket[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.destroy();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** A real TCP server that reads everything and never ends its own side, as a backend still shutting down. */
async function holdingServer(): Promise<{ port: number; received: Promise<{ bytes: Buffer; ended: boolean }>; peer: Promise<Socket> }> {
  let gotPeer!: (s: Socket) => void;
  const peer = new Promise<Socket>((resolve) => (gotPeer = resolve));
  server = createServer({ allowHalfOpen: true }, (s) => {
    peers.push(s);
    gotPeer(s);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const received = peer.then((s) => new Promise<{ bytes: Buffer; ended: boolean }>((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('end', () => resolve({ bytes: Buffer.concat(chunks), ended: true }));
  }));
  return { port: (server.address() as { port: number }).port, received, peer };
}

describe('socketClosedWhenDone', () => {
  it('closes once its own side has finished, without waiting for the server to close; the server still gets every byte and the end', async () => {
    const { port, received, peer } = await holdingServer();
    const socket = socketClosedWhenDone();
    await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve));
    const closed = new Promise<boolean>((resolve) => socket.once('close', (hadError) => resolve(hadError)));
    const notClosed = new Promise<string>((resolve) => setTimeout(() => resolve('still open after 2 s'), 2_000).unref());
    // What pg writes last: Terminate ('X', length 4), then it ends its side.
    socket.write(Buffer.from([0x58, 0, 0, 0, 4]), () => socket.end());
    expect(await Promise.race([closed, notClosed])).toBe(false);
    expect(socket.destroyed).toBe(true);
    const got = await received;
    expect(got).toEqual({ bytes: Buffer.from([0x58, 0, 0, 0, 4]), ended: true });
    // The server never ended its side: the socket closed without it.
    expect((await peer).writableEnded).toBe(false);
  });

  it('reads what the server sends while its own side is open', async () => {
    const { port, peer } = await holdingServer();
    const socket = socketClosedWhenDone();
    peers.push(socket);
    await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve));
    const data = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
    (await peer).write('R');
    expect(await data).toBe('R');
    expect(socket.destroyed).toBe(false);
  });
});
