// Rendering HTML: markdown, React and Preact on the server, DOM and
// selector libraries, logic-less templates.
import { marked } from "marked";
import MarkdownIt from "markdown-it";
import { createElement as h, Suspense, use } from "react";
import { renderToString, renderToReadableStream } from "react-dom/server";
import { h as ph } from "preact";
import { render as preactRender } from "preact-render-to-string";
import { parseHTML } from "linkedom";
import * as cheerio from "cheerio";
import Mustache from "mustache";

const markdown = `# Title with *emphasis*

Some **bold**, a [link](https://example.com "t"), \`code\`, and an autolink https://valet.dev.

- one
- two
  1. nested
  2. list

| a | b |
|---|:-:|
| 1 | 2 |

\`\`\`js
const x = 1 < 2 && "&";
\`\`\`

> quote <em>inline html</em>

Line ending with two spaces  
break & entity &copy;
`;

function Row({ item }) {
	return h("li", { className: item.done ? "done" : undefined, "data-id": item.id }, item.title, item.done && h("span", null, " ✓"));
}

function App({ items }) {
	return h(
		"main",
		{ id: "app" },
		h("h1", null, "Todos: ", items.length),
		h("ul", null, items.map((item) => h(Row, { key: item.id, item }))),
		h("input", { type: "checkbox", defaultChecked: true, "aria-label": "x<y" }),
		h("div", { dangerouslySetInnerHTML: { __html: "<b>raw</b>" } }),
		h("p", { style: { marginTop: 4, backgroundColor: "red" } }, "styled"),
	);
}

const items = [
	{ id: 1, title: "write <tests>", done: true },
	{ id: 2, title: "ship", done: false },
];

let cachedPromise;
function Later() {
	cachedPromise ??= new Promise((resolve) => setTimeout(() => resolve("loaded"), 1));
	return h("p", null, use(cachedPromise));
}

export default {
	marked: () => marked.parse(markdown),
	"markdown-it": () => new MarkdownIt({ linkify: true, typographer: true }).render(markdown + '\n"quotes" -- dash (c)\n'),
	"react-render-to-string": () => renderToString(h(App, { items })),
	"react-readable-stream": async () => {
		cachedPromise = undefined;
		const stream = await renderToReadableStream(h("div", null, h(App, { items }), h(Suspense, { fallback: h("i", null, "wait") }, h(Later))));
		await stream.allReady;
		const html = await new Response(stream).text();
		// React's streamed output carries generated ids and inline scripts
		// whose shape changes between React builds; the content is what counts.
		return { start: html.slice(0, html.indexOf("<input")), loaded: html.includes("loaded"), bytes: html.length };
	},
	preact: () =>
		preactRender(
			ph(
				"section",
				{ class: "card", style: { padding: "1px" } },
				ph("h2", null, "Preact ", 10),
				ph("ul", null, ["a", "b"].map((x) => ph("li", { key: x }, x))),
				ph("input", { value: "v", disabled: true }),
			),
		),
	linkedom: () => {
		const { document } = parseHTML(`<!doctype html><html><head><title>T</title></head><body><ul id="l"><li class="a">1</li><li>2</li></ul><p>Hello <b>world</b></p></body></html>`);
		const li = document.createElement("li");
		li.textContent = "3 & <more>";
		li.setAttribute("data-x", "y");
		document.getElementById("l").append(li);
		document.querySelector("li.a").classList.add("first");
		return {
			title: document.title,
			items: [...document.querySelectorAll("#l li")].map((e) => e.textContent),
			text: document.querySelector("p").textContent,
			html: document.getElementById("l").outerHTML,
			closest: document.querySelector("b").closest("p").tagName,
		};
	},
	cheerio: () => {
		const $ = cheerio.load(`<div><h2 class="t">Hello</h2><ul><li>a</li><li class="x">b</li></ul><a href="/x">link</a></div>`);
		$("li.x").addClass("y").text("B & c");
		$("ul").append("<li>d</li>");
		return {
			title: $("h2.t").text(),
			items: $("li").map((_, e) => $(e).text()).get(),
			href: $("a").attr("href"),
			html: $("ul").html(),
			extracted: $.extract({ links: [{ selector: "a", value: "href" }] }),
		};
	},
	mustache: () =>
		Mustache.render("Hello {{name}}! {{#items}}<{{.}}>{{/items}}{{^none}} none{{/none}} {{{raw}}} {{esc}}", {
			name: "World",
			items: ["a", "b"],
			none: [],
			raw: "<b>",
			esc: "<i>",
		}),
};
