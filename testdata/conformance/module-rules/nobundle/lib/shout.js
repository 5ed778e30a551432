export function shout(s) {
  return s.trim().toUpperCase() + "!";
}
