package runtime

import (
	"html"
	"net/http"
	"strings"
)

// wantsHTML follows `wrangler dev`: a browser (or fetch's default Accept of
// */*) gets an HTML error page, curl and API clients the plain stack.
func wantsHTML(r *http.Request) bool {
	if strings.Contains(strings.ToLower(r.UserAgent()), "curl/") {
		return false
	}
	accept := strings.ToLower(r.Header.Get("Accept"))
	return strings.Contains(accept, "text/html") || strings.Contains(accept, "*/*") || strings.Contains(accept, "text/*")
}

// errorPage renders an uncaught error in dev: the message and the
// source-mapped stack, so the page points at the user's own file.
func errorPage(e *JSError) string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html><head><meta charset="utf-8"><title>`)
	b.WriteString(html.EscapeString(e.Name + ": " + e.Message))
	b.WriteString(`</title><style>body{font:14px/1.5 ui-monospace,monospace;margin:2rem;color:#222}` +
		`h1{font-size:1.2rem;color:#b00}pre{background:#f6f6f6;padding:1rem;overflow:auto}</style></head><body>`)
	b.WriteString(`<p>Oops! The worker threw an uncaught exception.</p><h1>`)
	b.WriteString(html.EscapeString(e.Name + ": " + e.Message))
	b.WriteString(`</h1><pre>`)
	b.WriteString(html.EscapeString(e.String()))
	b.WriteString("</pre></body></html>\n")
	return b.String()
}
