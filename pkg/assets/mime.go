package assets

import (
	"mime"
	"path"
	"strings"
)

// contentTypes follows the npm "mime" package (v4, which wrangler 4's
// asset manifest uses: JavaScript is text/javascript, as RFC 9239 says), so
// a file gets the same Content-Type from valet as from wrangler. Extensions
// missing here fall back to Go's table, then to no Content-Type at all.
var contentTypes = map[string]string{
	".html": "text/html", ".htm": "text/html", ".shtml": "text/html",
	".css": "text/css", ".csv": "text/csv", ".txt": "text/plain", ".text": "text/plain",
	".md": "text/markdown", ".markdown": "text/markdown", ".xml": "application/xml",
	".js": "text/javascript", ".mjs": "text/javascript", ".cjs": "application/node",
	".json": "application/json", ".map": "application/json", ".jsonld": "application/ld+json",
	".webmanifest": "application/manifest+json", ".wasm": "application/wasm",
	".pdf": "application/pdf", ".zip": "application/zip", ".gz": "application/gzip",
	".rss": "application/rss+xml", ".atom": "application/atom+xml",
	".yaml": "text/yaml", ".yml": "text/yaml", ".toml": "application/toml",
	".svg": "image/svg+xml", ".svgz": "image/svg+xml", ".png": "image/png", ".apng": "image/apng",
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
	".avif": "image/avif", ".ico": "image/vnd.microsoft.icon", ".bmp": "image/bmp",
	".tif": "image/tiff", ".tiff": "image/tiff",
	".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf", ".otf": "font/otf",
	".eot": "application/vnd.ms-fontobject",
	".mp4": "video/mp4", ".webm": "video/webm", ".ogv": "video/ogg", ".mov": "video/quicktime",
	".mp3": "audio/mpeg", ".wav": "audio/wav", ".ogg": "audio/ogg", ".oga": "audio/ogg",
	".m4a": "audio/mp4", ".flac": "audio/x-flac", ".aac": "audio/aac", ".opus": "audio/ogg",
	".glb": "model/gltf-binary", ".gltf": "model/gltf+json",
	".ics": "text/calendar", ".vtt": "text/vtt",
}

// contentType returns the Content-Type of a file name; text types carry
// charset=utf-8 as wrangler's getContentType adds it.
func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	ct, ok := contentTypes[ext]
	if !ok && ext != "" {
		ct = mime.TypeByExtension(ext)
	}
	if ct == "" {
		// As Cloudflare: no Content-Type at all (and no sniffing, see
		// index.go), rather than a guess the browser would trust.
		return ""
	}
	if strings.HasPrefix(ct, "text/") && !strings.Contains(ct, "charset") {
		ct += "; charset=utf-8"
	}
	return ct
}

// compressible reports whether a response of this type is worth gzipping.
func compressible(ct string) bool {
	base, _, _ := strings.Cut(ct, ";")
	base = strings.TrimSpace(base)
	switch {
	case strings.HasPrefix(base, "text/"),
		strings.HasSuffix(base, "+json"), strings.HasSuffix(base, "+xml"):
		return true
	}
	switch base {
	case "application/javascript", "application/json", "application/xml", "application/wasm",
		"application/node", "application/toml", "image/vnd.microsoft.icon", "image/x-icon",
		"image/bmp", "font/ttf", "font/otf", "application/vnd.ms-fontobject":
		return true
	}
	return false
}
