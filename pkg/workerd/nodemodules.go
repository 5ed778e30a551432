package workerd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// fromProject finds the workerd the project installed, where Node would:
// node_modules/workerd from dir upwards, then its platform package resolved
// from the package's real directory. That one walk covers every layout:
//
//   - npm, yarn (classic, and berry's node-modules linker): hoisted beside it,
//     node_modules/@cloudflare/workerd-linux-64, or nested under it when
//     another version sits at the top;
//   - pnpm: node_modules/workerd links to .pnpm/workerd@V/node_modules/workerd,
//     beside .pnpm/workerd@V/node_modules/@cloudflare/workerd-linux-64;
//   - workerd's own fallback when the platform package was not installed:
//     the binary its postinstall downloaded into lib/.
//
// Yarn's Plug'n'Play keeps no node_modules: the platform package is then in
// .yarn/unplugged (yarn unplugs it because it holds a native binary).
//
// note says why a workerd the project has cannot be used here.
func fromProject(dir, plat string) (b *Binary, note string) {
	if dir == "" {
		return nil, ""
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		pkg := filepath.Join(d, "node_modules", "workerd")
		if _, ok := packageVersion(filepath.Join(pkg, "package.json")); ok {
			// Node stops at the first node_modules/workerd it finds.
			if b := fromPackage(pkg, plat); b != nil {
				return b, ""
			}
			return nil, "the project's " + rel(abs, pkg) + " has no binary for " + runtime.GOOS + "/" + runtime.GOARCH +
				" (installed on another platform, or with --no-optional): run npm install again here"
		}
		if _, err := os.Stat(filepath.Join(d, ".pnp.cjs")); err == nil {
			return fromUnplugged(d, plat), ""
		}
		if filepath.Dir(d) == d {
			return nil, ""
		}
	}
}

// fromPackage resolves the platform package from the workerd package at pkg
// as require.resolve would from inside it.
func fromPackage(pkg, plat string) *Binary {
	real, err := filepath.EvalSymlinks(pkg)
	if err != nil {
		return nil
	}
	for d := real; ; d = filepath.Dir(d) {
		if filepath.Base(d) != "node_modules" {
			platDir := filepath.Join(d, "node_modules", "@cloudflare", plat)
			if b := binaryIn(platDir); b != nil {
				return b
			}
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	// workerd's postinstall downloads the binary here when npm left the
	// optional platform package out.
	p := filepath.Join(real, "lib", "downloaded-@cloudflare-"+plat+"-"+exeName())
	if isFile(p) {
		v, _ := packageVersion(filepath.Join(real, "package.json"))
		return &Binary{Path: p, Version: v, Source: SourceProject}
	}
	return nil
}

// binaryIn is the workerd of the platform package installed at dir.
func binaryIn(dir string) *Binary {
	p := filepath.Join(dir, "bin", exeName())
	if !isFile(p) {
		return nil
	}
	// The platform package's own version is the one that runs, whatever
	// the workerd package beside it says.
	v, _ := packageVersion(filepath.Join(dir, "package.json"))
	return &Binary{Path: p, Version: v, Source: SourceProject}
}

// fromUnplugged finds the platform package yarn's Plug'n'Play unplugged
// under root/.yarn/unplugged: the version the lockfile pins when several
// are there, else the newest.
func fromUnplugged(root, plat string) *Binary {
	dirs, _ := filepath.Glob(filepath.Join(root, ".yarn", "unplugged", "@cloudflare-"+plat+"-npm-*", "node_modules", "@cloudflare", plat))
	var found []*Binary
	for _, d := range dirs {
		if b := binaryIn(d); b != nil {
			found = append(found, b)
		}
	}
	if len(found) == 0 {
		return nil
	}
	want, _ := lockedVersion(root)
	for _, b := range found {
		if b.Version == want {
			return b
		}
	}
	sort.Slice(found, func(i, j int) bool { return versionLess(found[j].Version, found[i].Version) })
	return found[0]
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

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func rel(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return p
}
