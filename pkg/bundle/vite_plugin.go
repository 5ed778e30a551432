package bundle

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

const (
	rawNamespace    = "valet-raw"
	urlNamespace    = "valet-url"
	publicNamespace = "valet-public"

	// assetsInlineLimit is Vite's default: smaller assets become data URLs.
	assetsInlineLimit = 4096
)

// assetExts are the files Vite treats as assets: imported, they are a URL
// to a content-hashed copy under assets/.
var assetExts = []string{
	".apng", ".bmp", ".png", ".jpg", ".jpeg", ".jfif", ".pjpeg", ".pjp", ".gif",
	".svg", ".ico", ".webp", ".avif", ".cur", ".jxl",
	".mp4", ".webm", ".ogg", ".mp3", ".wav", ".flac", ".aac", ".opus", ".mov", ".m4a", ".vtt",
	".woff", ".woff2", ".eot", ".ttf", ".otf",
	".webmanifest", ".pdf", ".txt",
}

func assetFilter() string {
	quoted := make([]string, len(assetExts))
	for i, e := range assetExts {
		quoted[i] = regexp.QuoteMeta(e)
	}
	return `(` + strings.Join(quoted, "|") + `)$`
}

// vitePlugin implements the Vite import conventions esbuild lacks:
// `?raw` (the file as a string), `?url` (its URL), assets under
// assetsInlineLimit inlined as data URLs, and root-absolute paths: a file
// of publicDir stays a URL (`import logo from "/vite.svg"`, `url(/bg.png)`),
// anything else resolves against root (`/src/main.tsx`).
func vitePlugin(root, publicDir, base string) api.Plugin {
	return api.Plugin{
		Name: "valet-vite",
		Setup: func(build api.PluginBuild) {
			build.OnResolve(api.OnResolveOptions{Filter: `^/`, Namespace: "file"},
				func(args api.OnResolveArgs) (api.OnResolveResult, error) {
					clean, _, _ := strings.Cut(args.Path, "?")
					clean, _, _ = strings.Cut(clean, "#")
					if publicDir != "" {
						if st, err := os.Stat(filepath.Join(publicDir, filepath.FromSlash(clean))); err == nil && !st.IsDir() {
							url := strings.TrimSuffix(base, "/") + args.Path
							if args.Kind == api.ResolveJSImportStatement || args.Kind == api.ResolveJSDynamicImport {
								return api.OnResolveResult{Path: url, Namespace: publicNamespace}, nil
							}
							return api.OnResolveResult{Path: url, External: true}, nil
						}
					}
					if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(clean))); err == nil {
						return api.OnResolveResult{Path: filepath.Join(root, filepath.FromSlash(clean))}, nil
					}
					return api.OnResolveResult{}, nil // a real absolute path, or esbuild's error
				})
			build.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: publicNamespace},
				func(args api.OnLoadArgs) (api.OnLoadResult, error) {
					src := fmt.Sprintf("export default %q;\n", args.Path)
					return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS}, nil
				})
			build.OnResolve(api.OnResolveOptions{Filter: `\?(raw|url)$`},
				func(args api.OnResolveArgs) (api.OnResolveResult, error) {
					clean, suffix, _ := strings.Cut(args.Path, "?")
					res := build.Resolve(clean, api.ResolveOptions{
						Importer: args.Importer, ResolveDir: args.ResolveDir,
						Kind: args.Kind, Namespace: "file", PluginData: args.PluginData,
					})
					if len(res.Errors) > 0 {
						return api.OnResolveResult{Errors: res.Errors}, nil
					}
					ns := rawNamespace
					if suffix == "url" {
						ns = urlNamespace
					}
					// Root-relative: esbuild hashes the paths of modules
					// outside the file namespace, and output names must not
					// depend on where the project sits on disk.
					p := res.Path
					if rel, err := filepath.Rel(root, p); err == nil {
						p = filepath.ToSlash(rel)
					}
					return api.OnResolveResult{Path: p, Namespace: ns}, nil
				})
			load := func(loader api.Loader) func(api.OnLoadArgs) (api.OnLoadResult, error) {
				return func(args api.OnLoadArgs) (api.OnLoadResult, error) {
					file := filepath.Join(root, filepath.FromSlash(args.Path))
					data, err := os.ReadFile(file)
					if err != nil {
						return api.OnLoadResult{}, fmt.Errorf("read %s: %w", args.Path, err)
					}
					s := string(data)
					return api.OnLoadResult{Contents: &s, Loader: loader, WatchFiles: []string{file}}, nil
				}
			}
			build.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: rawNamespace}, load(api.LoaderText))
			build.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: urlNamespace}, load(api.LoaderFile))
			build.OnLoad(api.OnLoadOptions{Filter: assetFilter(), Namespace: "file"},
				func(args api.OnLoadArgs) (api.OnLoadResult, error) {
					st, err := os.Stat(args.Path)
					if err != nil || st.Size() >= assetsInlineLimit {
						return api.OnLoadResult{}, nil // esbuild's file loader
					}
					data, err := os.ReadFile(args.Path)
					if err != nil {
						return api.OnLoadResult{}, nil
					}
					s := string(data)
					return api.OnLoadResult{Contents: &s, Loader: api.LoaderDataURL}, nil
				})
		},
	}
}
