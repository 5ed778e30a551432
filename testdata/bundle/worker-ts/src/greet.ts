export function greet(name: string): string {
  const who: string = name || "world";
  return `hello ${who}`;
}

export function fail(): never {
  throw new Error("greet failed on purpose");
}
