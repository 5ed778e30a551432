// What an imported module is, in a form JSON can carry and compare.
export function describe(v) {
  if (typeof v === "string") return { type: "string", value: v };
  if (v instanceof ArrayBuffer) {
    return { type: "ArrayBuffer", byteLength: v.byteLength, bytes: [...new Uint8Array(v)].slice(0, 8) };
  }
  if (v instanceof WebAssembly.Module) {
    const { add } = new WebAssembly.Instance(v).exports;
    return { type: "WebAssembly.Module", exports: WebAssembly.Module.exports(v).map((e) => e.name), add: add(2, 3) };
  }
  return { type: typeof v, constructor: v?.constructor?.name ?? null, value: v };
}
