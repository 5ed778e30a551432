package cmd

import (
	"errors"
	"testing"

	"github.com/valet-dev/valet/pkg/iostreams"
	"github.com/valet-dev/valet/pkg/workerd"
)

func Test_versionRun(t *testing.T) {
	cases := []struct {
		name string
		b    *workerd.Binary
		err  error
		want string
	}{
		{"project", &workerd.Binary{Path: "/p/node_modules/@cloudflare/workerd-linux-64/bin/workerd", Version: "1.2.3", Source: workerd.SourceProject}, nil,
			"valet 1.0.0\nworkerd 1.2.3, the project's (node_modules/@cloudflare/workerd-linux-64/bin/workerd)\n"},
		{"cache", &workerd.Binary{Path: "/c/1.2.3/workerd-linux-64/workerd", Version: "1.2.3", Source: workerd.SourceCache}, nil,
			"valet 1.0.0\nworkerd 1.2.3, valet's pinned version (/c/1.2.3/workerd-linux-64/workerd)\n"},
		{"lockfile, missing", &workerd.Binary{Path: "/c/1.2.3/w", Version: "1.2.3", Source: workerd.SourceCache, PinnedBy: "pnpm-lock.yaml", Missing: true}, nil,
			"valet 1.0.0\nworkerd 1.2.3, pinned by the project's pnpm-lock.yaml, not downloaded yet (valet dev fetches it through the npm registry)\n"},
		{"another platform's", &workerd.Binary{Path: "/c/1.2.3/w", Version: "1.2.3", Source: workerd.SourceCache, Note: "no binary for linux/amd64"}, nil,
			"valet 1.0.0\nworkerd 1.2.3, valet's pinned version (/c/1.2.3/w)\n  note: no binary for linux/amd64\n"},
		{"env", &workerd.Binary{Path: "/opt/workerd", Source: workerd.SourceEnv}, nil,
			"valet 1.0.0\nworkerd from VALET_WORKERD (/opt/workerd)\n"},
		{"error", nil, errors.New("workerd is not built for plan9/386"),
			"valet 1.0.0\nworkerd: none usable (workerd is not built for plan9/386)\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ios, _, out, _ := iostreams.Test()
			opts := &VersionOptions{IO: ios, Version: "1.0.0", Dir: "/p", Workerd: func(dir string) (*workerd.Binary, error) {
				if dir != "/p" {
					t.Errorf("asked for %s", dir)
				}
				return c.b, c.err
			}}
			if err := versionRun(opts); err != nil {
				t.Fatal(err)
			}
			if out.String() != c.want {
				t.Errorf("got\n%s\nwant\n%s", out, c.want)
			}
		})
	}
}
