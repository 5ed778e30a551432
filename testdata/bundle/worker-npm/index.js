import { flavour, emitter } from "fake-pkg";
import { Buffer } from "node:buffer";

export { flavour, bufferSource } from "fake-pkg";
export const nodeBuffer = Buffer;

export default {
  async fetch() {
    return new Response(`${flavour} ${typeof emitter}`);
  },
};
