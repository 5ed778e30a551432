package deploy

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// libDirs are where linux distributions keep the shared libraries of arch,
// in the order the dynamic loader looks (Debian's multiarch first).
var libDirs = map[string][]string{
	"amd64": {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"},
	"arm64": {"/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"},
}

// linkedLibraries lists what bin needs to run FROM scratch, as ldd would:
// its program interpreter (ld-linux) and every library it needs, directly
// or through another, each taken from this machine and put at the path
// where it was found (the loader copied along looks there). Only libraries
// of the host's architecture will do.
func linkedLibraries(bin, arch string) ([]rootFile, error) {
	f, err := elf.Open(bin)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []rootFile
	seen := map[string]bool{}
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b := make([]byte, p.Filesz)
		if _, err := p.ReadAt(b, 0); err != nil {
			return nil, fmt.Errorf("%s: program interpreter: %w", bin, err)
		}
		interp, _, _ := strings.Cut(string(b), "\x00")
		if err := checkLib(interp, arch); err != nil {
			return nil, noLibsError(interp, arch, err)
		}
		out = append(out, rootFile{Dest: interp, Src: interp, Mode: 0o755})
		seen[filepath.Base(interp)] = true
	}
	queue, err := f.ImportedLibraries()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", bin, err)
	}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if seen[name] {
			continue
		}
		seen[name] = true
		p, err := findLib(name, arch)
		if err != nil {
			return nil, err
		}
		out = append(out, rootFile{Dest: p, Src: p, Mode: 0o755})
		lf, err := elf.Open(p)
		if err != nil {
			return nil, err
		}
		more, err := lf.ImportedLibraries()
		lf.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		queue = append(queue, more...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dest < out[j].Dest })
	return out, nil
}

func findLib(name, arch string) (string, error) {
	var last error
	for _, d := range libDirs[arch] {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err != nil {
			continue
		}
		if last = checkLib(p, arch); last == nil {
			return p, nil
		}
	}
	if last == nil {
		last = fmt.Errorf("not found in %v", libDirs[arch])
	}
	return "", noLibsError(name, arch, last)
}

// checkLib is nil when p is an ELF file for arch.
func checkLib(p, arch string) error {
	f, err := elf.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if f.Machine != elfMachines[arch] {
		return fmt.Errorf("%s is for %s", p, f.Machine)
	}
	return nil
}

func noLibsError(lib, arch string, err error) error {
	return fmt.Errorf("workerd links %s, and this machine has none for linux/%s (%v): the edge image cannot be built FROM scratch here\n"+
		"  Set %s=debian:bookworm-slim (any glibc image the host can pull) to build it on that base instead", lib, arch, err, EnvEdgeBase)
}
