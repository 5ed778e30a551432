package workerd

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// PinnedVersion is the workerd valet uses when the project has none of its
// own (`npm install -D workerd` pins one in the project's lockfile).
const PinnedVersion = "1.20261117.1"

// Binary is a workerd executable and where it came from.
type Binary struct {
	Path    string
	Version string // the npm package version, e.g. 1.20261117.1
	Source  string // "project" (node_modules) or "cache" (fetched by valet)
}

// LocateOptions say where to look.
type LocateOptions struct {
	// Dir is the project directory; node_modules/workerd is looked up from
	// it and its parents, as Node resolves packages.
	Dir string
	// CacheDir holds fetched versions; default: the user cache dir + valet.
	CacheDir string
	// Fetch downloads a version into the cache when neither the project nor
	// the cache has one; nil: no download.
	Fetch func(version, dest string) error
}

// ErrNotFound is returned when no workerd is available.
var ErrNotFound = errors.New("workerd not found")

// Locate finds the workerd to run: the project's own, else the pinned
// version in valet's cache, fetched through the npm registry when missing.
func Locate(opts LocateOptions) (*Binary, error) {
	if p := os.Getenv("VALET_WORKERD"); p != "" {
		// An explicit choice (a workerd built from source, a test's).
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return nil, fmt.Errorf("VALET_WORKERD=%s: not an executable file", p)
		}
		return &Binary{Path: p, Version: "VALET_WORKERD", Source: "env"}, nil
	}
	plat, err := platformPackage()
	if err != nil {
		return nil, err
	}
	if b, ok := fromNodeModules(opts.Dir, plat); ok {
		return b, nil
	}
	cache := opts.CacheDir
	if cache == "" {
		if cache, err = DefaultCacheDir(); err != nil {
			return nil, err
		}
	}
	dest := filepath.Join(cache, PinnedVersion, plat, exeName())
	if st, err := os.Stat(dest); err == nil && !st.IsDir() {
		return &Binary{Path: dest, Version: PinnedVersion, Source: "cache"}, nil
	}
	if opts.Fetch != nil {
		if err := opts.Fetch(PinnedVersion, dest); err != nil {
			return nil, fmt.Errorf("%w: fetch workerd %s through the npm registry: %v\n%s", ErrNotFound, PinnedVersion, err, installHint())
		}
		return &Binary{Path: dest, Version: PinnedVersion, Source: "cache"}, nil
	}
	return nil, fmt.Errorf("%w in the project's node_modules nor in %s\n%s", ErrNotFound, cache, installHint())
}

func installHint() string {
	return "valet runs the app's JavaScript on workerd, the Workers runtime: install it in the project with\n" +
		"  npm install --save-dev workerd@" + PinnedVersion + "\n" +
		"or let valet fetch it by running any valet command with access to the npm registry."
}

// DefaultCacheDir is where valet keeps fetched workerd versions.
func DefaultCacheDir() (string, error) {
	if d := os.Getenv("VALET_CACHE_DIR"); d != "" {
		return filepath.Join(d, "workerd"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("workerd cache: %w (set VALET_CACHE_DIR)", err)
	}
	return filepath.Join(d, "valet", "workerd"), nil
}

// platformPackage is the npm package holding workerd for this machine.
func platformPackage() (string, error) {
	arch := map[string]string{"amd64": "64", "arm64": "arm64"}[runtime.GOARCH]
	osName := map[string]string{"linux": "linux", "darwin": "darwin", "windows": "windows"}[runtime.GOOS]
	if arch == "" || osName == "" || (osName == "windows" && arch != "64") {
		return "", fmt.Errorf("workerd is not built for %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	return "workerd-" + osName + "-" + arch, nil
}

func exeName() string {
	if runtime.GOOS == "windows" {
		return "workerd.exe"
	}
	return "workerd"
}

// fromNodeModules looks for node_modules/workerd from dir upwards, and for
// its platform package beside it or inside it (npm hoists it; pnpm nests).
func fromNodeModules(dir, plat string) (*Binary, bool) {
	if dir == "" {
		return nil, false
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, false
	}
	for d := abs; ; d = filepath.Dir(d) {
		pkg := filepath.Join(d, "node_modules", "workerd")
		if version, ok := packageVersion(filepath.Join(pkg, "package.json")); ok {
			for _, base := range []string{filepath.Join(d, "node_modules"), filepath.Join(pkg, "node_modules")} {
				p := filepath.Join(base, "@cloudflare", plat, "bin", exeName())
				if st, err := os.Stat(p); err == nil && !st.IsDir() {
					return &Binary{Path: p, Version: version, Source: "project"}, true
				}
			}
		}
		if filepath.Dir(d) == d {
			return nil, false
		}
	}
}

func packageVersion(path string) (string, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	var p struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(b, &p) != nil || p.Version == "" {
		return "", false
	}
	return p.Version, true
}
