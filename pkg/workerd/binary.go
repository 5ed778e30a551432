package workerd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
)

// PinnedVersion is the workerd valet uses when the project has none of its
// own (`npm install -D workerd` pins one in the project's lockfile).
const PinnedVersion = "1.20261117.1"

// EnvBinary names a workerd executable to use instead of looking for one.
const EnvBinary = "VALET_WORKERD"

// Where a Binary came from.
const (
	SourceEnv     = "env"     // $VALET_WORKERD
	SourceProject = "project" // the project's node_modules (or yarn's unplugged packages)
	SourceCache   = "cache"   // valet's cache, fetched through the npm registry
)

// Binary is a workerd executable and where it came from.
type Binary struct {
	Path    string
	Version string // the npm package version, e.g. 1.20261117.1 ("" for $VALET_WORKERD)
	Source  string // SourceEnv, SourceProject or SourceCache
	// PinnedBy is the lockfile that chose Version for the cache (e.g.
	// "pnpm-lock.yaml"), "" when it is valet's PinnedVersion.
	PinnedBy string
	// Missing: the version is not in the cache yet; Locate fetches it.
	Missing bool
	// Note says why the project's own workerd was not used, when it has
	// one that cannot run here (another platform's, or --no-optional).
	Note string
}

// LocateOptions say where to look.
type LocateOptions struct {
	// Dir is the project directory; node_modules/workerd is looked up from
	// it and its parents, as Node resolves packages.
	Dir string
	// CacheDir holds fetched versions; default: DefaultCacheDir.
	CacheDir string
	// Fetch downloads a version into the cache when neither the project nor
	// the cache has one; nil: no download.
	Fetch func(version, dest string) error
}

// ErrNotFound is returned when no workerd is available.
var ErrNotFound = errors.New("workerd not found")

// Locate finds the workerd to run: $VALET_WORKERD, else the project's own
// (node_modules, as the lockfile pinned it), else the version the project's
// lockfile pins or valet's PinnedVersion in valet's cache, fetched through
// the npm registry when missing.
func Locate(opts LocateOptions) (*Binary, error) {
	b, err := Plan(opts)
	if err != nil || !b.Missing {
		return b, err
	}
	if opts.Fetch == nil {
		cache := filepath.Dir(filepath.Dir(filepath.Dir(b.Path)))
		return nil, fmt.Errorf("%w in the project's node_modules nor in valet's cache (%s)\n%s", ErrNotFound, cache, installHint(b.Version))
	}
	if err := opts.Fetch(b.Version, b.Path); err != nil {
		if !errors.Is(err, ErrNotFound) {
			err = fetchFailed(b.Version, err)
		}
		return nil, err
	}
	b.Missing = false
	return b, nil
}

// Plan is Locate without the download: the binary Locate would run, with
// Missing set when it would fetch it first (valet --version shows it).
func Plan(opts LocateOptions) (*Binary, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		// An explicit choice (a workerd built from source, a test's).
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			return nil, fmt.Errorf("%s=%s: not an executable file; unset it to use the project's workerd", EnvBinary, p)
		}
		return &Binary{Path: p, Source: SourceEnv}, nil
	}
	plat, err := platformPackage()
	if err != nil {
		return nil, err
	}
	b, note := fromProject(opts.Dir, plat)
	if b != nil {
		return b, nil
	}
	cache := opts.CacheDir
	if cache == "" {
		if cache, err = DefaultCacheDir(); err != nil {
			return nil, err
		}
	}
	b = &Binary{Version: PinnedVersion, Source: SourceCache, Note: note}
	if v, file := lockedVersion(opts.Dir); v != "" {
		b.Version, b.PinnedBy = v, file
	}
	b.Path = filepath.Join(cache, b.Version, plat, exeName())
	if st, err := os.Stat(b.Path); err != nil || st.IsDir() {
		b.Missing = true
	}
	return b, nil
}

// fetchFailed is the error of a failed download, saying how else to get it.
func fetchFailed(version string, err error) error {
	return fmt.Errorf("%w: fetch workerd %s through the npm registry: %v\n%s", ErrNotFound, version, err, installHint(version))
}

func installHint(v string) string {
	return "valet runs the app's JavaScript on workerd, the Workers runtime: install it in the project with\n" +
		"  npm install --save-dev workerd@" + v + "\n" +
		"or run valet where it can reach the npm registry, to fetch it into its cache (see .npmrc for a private registry)."
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

// reVersion is an npm version valet puts in a cache path.
var reVersion = regexp.MustCompile(`^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$`)
