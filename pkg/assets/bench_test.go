package assets

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkNew indexes a directory the size of a large SPA build: 1,000
// files of 10 KiB (hash, content type, cache).
func BenchmarkNew(b *testing.B) {
	dir := b.TempDir()
	content := strings.Repeat("export const x = 1;\n", 512)
	for i := range 1000 {
		write(b, filepath.Join(dir, "assets", fmt.Sprintf("chunk-%04d.js", i)), content)
	}
	write(b, filepath.Join(dir, "index.html"), "<title>x</title>")
	b.ResetTimer()
	for b.Loop() {
		if _, err := New(Options{Dir: dir}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReload re-indexes the same directory with nothing changed: only
// stat calls, the hashes are reused.
func BenchmarkReload(b *testing.B) {
	dir := b.TempDir()
	content := strings.Repeat("export const x = 1;\n", 512)
	for i := range 1000 {
		write(b, filepath.Join(dir, "assets", fmt.Sprintf("chunk-%04d.js", i)), content)
	}
	s, err := New(Options{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := s.Reload(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkServeHTTP(b *testing.B) {
	s := newTestServer(b, Options{NotFoundHandling: NotFoundSPA})
	for _, target := range []string{"/about", "/blog/", "/app/deep/route"} {
		b.Run(target, func(b *testing.B) {
			r := httptestRequest("GET", target)
			b.ReportAllocs()
			for b.Loop() {
				w := &nopWriter{h: make(map[string][]string, 8)}
				s.ServeHTTP(w, r)
			}
		})
	}
}
