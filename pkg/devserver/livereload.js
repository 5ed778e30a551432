// valet dev live reload: injected into HTML pages in development only.
// Listens to /__valet/reload (Server-Sent Events): "reload" reloads the page,
// "css" swaps stylesheets in place, "hot" re-imports edited React component
// modules (Fast Refresh), "error" shows the build error over the
// page, "ok" removes it.
(() => {
  if (window.__valetReload) return;
  window.__valetReload = true;

  const OVERLAY = "valet-error-overlay";
  let session = null;

  // index-5X2B3C4D.css -> index.css: the same stylesheet across builds.
  const stem = (path) => path.replace(/-[A-Z0-9]{8}(?=\.css$)/, "");

  function swapCSS(paths) {
    const next = new Map(paths.map((p) => [stem(p), p]));
    const links = document.querySelectorAll('link[rel="stylesheet"]');
    let swapped = 0;
    for (const link of links) {
      const url = new URL(link.href, location.href);
      if (url.origin !== location.origin) continue;
      const p = next.get(stem(url.pathname));
      if (!p || p === url.pathname) continue;
      const copy = link.cloneNode();
      copy.href = p;
      // Drop the old sheet only once the new one applies: no flash of unstyled page.
      const drop = () => link.remove();
      copy.addEventListener("load", drop, { once: true });
      copy.addEventListener("error", drop, { once: true });
      link.after(copy);
      swapped++;
    }
    return swapped;
  }

  function showErrors(errors) {
    hideErrors();
    const host = document.createElement(OVERLAY);
    const root = host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = `
      :host { position: fixed; inset: 0; z-index: 2147483647; display: flex; align-items: flex-start;
        justify-content: center; background: rgba(0,0,0,.66); font: 14px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; }
      .box { margin-top: 8vh; max-width: min(960px, 92vw); max-height: 80vh; overflow: auto; background: #181818;
        color: #eee; border-top: 6px solid #ff5555; border-radius: 6px; padding: 20px 24px; box-shadow: 0 10px 40px #000a; }
      h2 { margin: 0 0 12px; color: #ff5555; font-size: 16px; }
      pre { margin: 0 0 16px; white-space: pre-wrap; word-break: break-word; }
      p { margin: 0; color: #999; font-size: 12px; }`;
    const box = document.createElement("div");
    box.className = "box";
    for (const e of errors) {
      const h = document.createElement("h2");
      h.textContent = `valet: ${e.headline || "build failed"}`;
      const pre = document.createElement("pre");
      pre.textContent = e.text;
      box.append(h, pre);
    }
    const hint = document.createElement("p");
    hint.textContent = "Fix the file and save: this page updates by itself. Click outside or press Esc to hide.";
    box.append(hint);
    root.append(style, box);
    host.addEventListener("click", (ev) => { if (ev.composedPath()[0] === host) hideErrors(); });
    (document.body || document.documentElement).append(host);
  }

  function hideErrors() {
    for (const el of document.querySelectorAll(OVERLAY)) el.remove();
  }

  addEventListener("keydown", (ev) => { if (ev.key === "Escape") hideErrors(); });

  const es = new EventSource("/__valet/reload");
  es.addEventListener("hello", (ev) => {
    // A different session after a reconnect: valet dev restarted, maybe with new code.
    if (session !== null && session !== ev.data) location.reload();
    session = ev.data;
  });
  es.addEventListener("reload", () => location.reload());
  es.addEventListener("css", (ev) => {
    hideErrors();
    if (swapCSS(JSON.parse(ev.data)) === 0) location.reload();
  });
  // "hot": import the edited modules' new chunks (packages stay the same
  // modules: their chunk names did not change) and let React Fast Refresh
  // swap the components in place. Anything it cannot take reloads the page:
  // no runtime, no React root it knows, a module exporting more than
  // components, an import that throws.
  let hotQueue = Promise.resolve();
  async function hot(update) {
    const R = window.__valetRefresh;
    if (!R || R._getMountedRootCount?.() === 0) return location.reload();
    if (update.css && update.css.length) swapCSS(update.css);
    try {
      // The changed chunks load beside the entry chunks that import them.
      const [mods] = await Promise.all([
        Promise.all(update.modules.map((u) => import(u))),
        Promise.all((update.chunks || []).map((u) => import(u))),
      ]);
      for (const m of mods) {
        const exports = Object.values(m);
        if (exports.length === 0 || !exports.every((v) => R.isLikelyComponentType(v))) return location.reload();
      }
      R.performReactRefresh();
    } catch (err) {
      console.error("[valet] hot update failed, reloading:", err);
      location.reload();
    }
  }
  es.addEventListener("hot", (ev) => {
    hideErrors();
    const update = JSON.parse(ev.data);
    hotQueue = hotQueue.then(() => hot(update));
  });
  es.addEventListener("error", (ev) => {
    // EventSource also fires "error" (without data) when the connection drops.
    if (ev.data) showErrors(JSON.parse(ev.data));
  });
  es.addEventListener("ok", () => hideErrors());
})();
