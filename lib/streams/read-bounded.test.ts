import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readBounded, readBoundedNode } from "@/lib/streams/read-bounded";

function streamOf(chunks: number[], onCancel?: () => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const size = chunks[i++];
      if (size === undefined) controller.close();
      else controller.enqueue(new Uint8Array(size).fill(i));
    },
    cancel() {
      onCancel?.();
    },
  });
}

describe("readBounded", () => {
  it("returns every byte in order up to and including the limit", async () => {
    const bytes = await readBounded(streamOf([3, 2]), 5);
    expect(Array.from(bytes ?? [])).toEqual([1, 1, 1, 2, 2]);
  });

  it("gives up as soon as the limit is passed and cancels the rest", async () => {
    let cancelled = false;
    let pulled = 0;
    const chunks = [4, 4, 4, 4];
    const stream = streamOf(chunks, () => (cancelled = true));
    const counting = stream.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          pulled++;
          controller.enqueue(chunk);
        },
      }),
    );
    expect(await readBounded(counting, 5)).toBeNull();
    expect(pulled).toBeLessThan(chunks.length);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(cancelled).toBe(true);
  });

  it("reads a missing body as empty", async () => {
    expect(await readBounded(null, 10)).toEqual(new Uint8Array(0));
  });
});

describe("readBoundedNode", () => {
  const nodeStreamOf = (chunks: number[]) => Readable.from(chunks.map((size, i) => Buffer.alloc(size, i + 1)));

  it("returns every byte in order up to and including the limit", async () => {
    const bytes = await readBoundedNode(nodeStreamOf([3, 2]), 5);
    expect([...bytes!]).toEqual([1, 1, 1, 2, 2]);
  });

  it("answers null past the limit and drains the rest, so the stream still ends", async () => {
    const stream = nodeStreamOf([3, 3, 100]);
    const ended = new Promise<void>((resolve) => stream.once("end", () => resolve()));
    expect(await readBoundedNode(stream, 5)).toBeNull();
    await ended;
    expect(stream.readableEnded).toBe(true);
  });

  it("rejects with the stream's error", async () => {
    const stream = new Readable({ read() {} });
    const reading = readBoundedNode(stream, 10);
    stream.destroy(new Error("connection reset"));
    await expect(reading).rejects.toThrow("connection reset");
  });
});
