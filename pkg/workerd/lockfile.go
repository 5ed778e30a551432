package workerd

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// lockfiles are the package managers' lockfiles, in the order npm, pnpm,
// yarn and bun would be picked when several sit in one directory.
var lockfiles = []string{"package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock", "bun.lock"}

// lockedVersion is the workerd version the project's lockfile pins, and the
// lockfile's name; "" when there is none. The lockfile is the nearest one
// from dir upwards (a workspace's sits at its root); the project's own
// dependency on workerd wins over one that comes through another package
// (wrangler), and among those the newest.
func lockedVersion(dir string) (version, file string) {
	if dir == "" {
		return "", ""
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		for _, name := range lockfiles {
			data, err := os.ReadFile(filepath.Join(d, name))
			if err != nil {
				continue
			}
			importer, direct := directRange(abs, d)
			var v string
			switch name {
			case "package-lock.json", "npm-shrinkwrap.json":
				v = npmLocked(data, importer)
			case "pnpm-lock.yaml":
				v = pnpmLocked(data, importer)
			case "yarn.lock":
				v = yarnLocked(data, direct)
			case "bun.lock":
				v = bunLocked(data)
			}
			if reVersion.MatchString(v) {
				return v, name
			}
			return "", ""
		}
		if filepath.Dir(d) == d {
			return "", ""
		}
	}
}

// directRange finds the package.json of the project in dir (at or below
// the lockfile's directory root) and returns its path relative to root
// ("." for the root itself: pnpm's importer and npm's workspace key) and
// the range it gives workerd ("" when it does not depend on it).
func directRange(dir, root string) (importer, rng string) {
	for d := dir; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "package.json"))
		if err == nil {
			var p map[string]json.RawMessage
			_ = json.Unmarshal(b, &p)
			for _, k := range []string{"devDependencies", "dependencies", "optionalDependencies"} {
				var deps map[string]string
				if json.Unmarshal(p[k], &deps) == nil && deps["workerd"] != "" {
					rng = deps["workerd"]
					break
				}
			}
			r, err := filepath.Rel(root, d)
			if err != nil {
				r = "."
			}
			return filepath.ToSlash(r), rng
		}
		if d == root || filepath.Dir(d) == d {
			return ".", ""
		}
	}
}

// npmLocked reads package-lock.json: the workerd Node would load from the
// importer (nested in the workspace package, else hoisted), or lockfile v1's
// top-level dependency.
func npmLocked(data []byte, importer string) string {
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
		Dependencies map[string]struct {
			Version string `json:"version"`
		} `json:"dependencies"`
	}
	if json.Unmarshal(data, &lock) != nil {
		return ""
	}
	for p := importer; ; p = parentDir(p) {
		key := "node_modules/workerd"
		if p != "." {
			key = p + "/" + key
		}
		if e, ok := lock.Packages[key]; ok {
			return e.Version
		}
		if p == "." {
			break
		}
	}
	return lock.Dependencies["workerd"].Version
}

func parentDir(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[:i]
	}
	return "."
}

// pnpmLocked reads pnpm-lock.yaml (v5 to v9): the importer's own
// dependency, else the newest workerd among the packages.
func pnpmLocked(data []byte, importer string) string {
	var lock struct {
		Importers map[string]map[string]map[string]yaml.Node `yaml:"importers"`
		Packages  map[string]yaml.Node                       `yaml:"packages"`
	}
	if yaml.Unmarshal(data, &lock) != nil {
		return ""
	}
	for _, kind := range []string{"devDependencies", "dependencies", "optionalDependencies"} {
		n, ok := lock.Importers[importer][kind]["workerd"]
		if !ok {
			continue
		}
		var v string
		switch n.Kind {
		case yaml.ScalarNode: // v5: workerd: 1.2.3
			v = n.Value
		case yaml.MappingNode: // v6+: workerd: {specifier, version}
			var e struct {
				Version string `yaml:"version"`
			}
			_ = n.Decode(&e)
			v = e.Version
		}
		// Peer dependency suffixes: 1.2.3(typescript@5.0.0).
		v, _, _ = strings.Cut(v, "(")
		return v
	}
	best := ""
	for key := range lock.Packages {
		// v9: workerd@1.2.3; v6: /workerd@1.2.3; v5: /workerd/1.2.3.
		key = strings.TrimPrefix(key, "/")
		var v string
		if s, ok := strings.CutPrefix(key, "workerd@"); ok {
			v = s
		} else if s, ok := strings.CutPrefix(key, "workerd/"); ok {
			v = s
		}
		v, _, _ = strings.Cut(v, "(")
		if reVersion.MatchString(v) && (best == "" || versionLess(best, v)) {
			best = v
		}
	}
	return best
}

// reYarnVersion is an entry's version line: `  version "1.2.3"` (yarn
// classic) or `  version: 1.2.3` (berry).
var reYarnVersion = regexp.MustCompile(`^\s+version:?\s+"?([^"\s]+)"?`)

// yarnLocked reads yarn.lock, classic or berry: the entry of the project's
// own range (workerd@R, workerd@npm:R), else the newest workerd.
func yarnLocked(data []byte, direct string) string {
	best := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var specs []string
	for sc.Scan() {
		line := sc.Text()
		if line != "" && line[0] != ' ' && line[0] != '#' && strings.HasSuffix(line, ":") {
			specs = specs[:0]
			for _, s := range strings.Split(strings.TrimSuffix(line, ":"), ",") {
				specs = append(specs, strings.Trim(strings.TrimSpace(s), `"`))
			}
			continue
		}
		m := reYarnVersion.FindStringSubmatch(line)
		if m == nil || len(specs) == 0 {
			continue
		}
		mine, ours := false, false
		for _, s := range specs {
			rng, ok := strings.CutPrefix(s, "workerd@")
			if !ok {
				continue
			}
			ours = true
			if direct != "" && (rng == direct || rng == "npm:"+direct) {
				mine = true
			}
		}
		specs = specs[:0]
		switch {
		case !ours || !reVersion.MatchString(m[1]):
		case mine:
			return m[1]
		case best == "" || versionLess(best, m[1]):
			best = m[1]
		}
	}
	return best
}

// reBunWorkerd is bun.lock's top-level workerd package entry.
var reBunWorkerd = regexp.MustCompile(`(?m)^\s*"workerd":\s*\["workerd@([^"]+)"`)

func bunLocked(data []byte) string {
	if m := reBunWorkerd.FindSubmatch(data); m != nil {
		return string(m[1])
	}
	return ""
}

// versionLess compares npm versions by their numeric parts (workerd's are
// 1.<date>.<n>); a pre-release sorts before its release.
func versionLess(a, b string) bool {
	ca, pa, _ := strings.Cut(a, "-")
	cb, pb, _ := strings.Cut(b, "-")
	na, nb := strings.Split(ca, "."), strings.Split(cb, ".")
	for i := 0; i < len(na) && i < len(nb); i++ {
		x, _ := strconv.Atoi(na[i])
		y, _ := strconv.Atoi(nb[i])
		if x != y {
			return x < y
		}
	}
	if len(na) != len(nb) {
		return len(na) < len(nb)
	}
	switch {
	case pa == "" || pb == "":
		return pa != "" && pb == ""
	default:
		return pa < pb
	}
}
