// Routes that do real work per request, so the benchmark measures the
// runtime running code and not only the path a request takes through it.
// The inputs are built once at load; each request does the whole work again.
import { createElement as h } from "react";
import { renderToString } from "react-dom/server";
import { marked } from "marked";

// React: a table of 100 rows of 5 elements each, ~500 elements in all.
const rows = Array.from({ length: 100 }, (_, i) => ({
  id: i,
  name: `item ${i}`,
  price: ((i * 137) % 1000) / 10,
  tags: ["red", "green", "blue"].slice(0, (i % 3) + 1),
}));

function Table({ title }: { title: string }) {
  return h(
    "table",
    { className: "items" },
    h("caption", null, title),
    h(
      "tbody",
      null,
      rows.map((r) =>
        h(
          "tr",
          { key: r.id, className: r.id % 2 ? "odd" : "even" },
          h("td", null, r.id),
          h("td", null, r.name),
          h("td", null, r.price.toFixed(1)),
          h("td", null, r.tags.join(", ")),
        ),
      ),
    ),
  );
}

export function ssr(): Response {
  const html = renderToString(h(Table, { title: "Items" }));
  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
}

// Markdown: 40 sections, each a heading, a paragraph with inline markup, a
// list and a code block.
const doc = Array.from(
  { length: 40 },
  (_, i) => `## Section ${i + 1}

Some **bold** text, some *emphasis*, a \`code span\` and [a link](https://example.com/${i}).
A second line of the same paragraph, long enough to wrap in a browser window.

- first point of section ${i + 1}
- second point, with _more_ emphasis
- third point

\`\`\`js
const x${i} = ${i} * 2; // a code block
\`\`\`
`,
).join("\n");

export function markdown(): Response {
  const html = marked.parse(doc, { async: false });
  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
}

// JSON: 2,000 objects built, serialized, parsed back and summed.
export function json(): Response {
  const items = Array.from({ length: 2000 }, (_, i) => ({
    id: i,
    name: `user${i}`,
    email: `user${i}@example.com`,
    active: i % 3 === 0,
    score: (i * 7919) % 1000,
    tags: ["a", "b", "c"],
  }));
  const text = JSON.stringify(items);
  const back: typeof items = JSON.parse(text);
  let score = 0;
  for (const it of back) if (it.active) score += it.score;
  return Response.json({ count: back.length, bytes: text.length, score });
}
