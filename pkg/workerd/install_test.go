package workerd

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valet-dev/valet/pkg/internal/testenv"
)

// TestLocateInRealInstalls installs workerd with each package manager as a
// user would (npm; pnpm, yarn classic and yarn berry through npx) and runs
// the binary Locate finds.
func TestLocateInRealInstalls(t *testing.T) {
	if testing.Short() {
		t.Skip("installs workerd (60 MB) five times")
	}
	testenv.LookPath(t, "npm")
	spec := "workerd@" + PinnedVersion
	berry := []string{"npx", "--yes", "-p", "@yarnpkg/cli-dist@4", "yarn", "add", "-D", spec}
	cases := []struct {
		name  string
		files map[string]string
		cmd   []string
		// where the binary must come from, below the project
		want string
	}{
		{"npm", nil, []string{"npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "-D", spec}, "node_modules/@cloudflare/"},
		{"pnpm", nil, []string{"npx", "--yes", "pnpm@10", "add", "-D", spec}, "node_modules/.pnpm/workerd@"},
		{"yarn classic", nil, []string{"npx", "--yes", "yarn@1", "add", "--silent", "-D", spec}, "node_modules/@cloudflare/"},
		{"yarn berry node-modules", map[string]string{".yarnrc.yml": "nodeLinker: node-modules\n"}, berry, "node_modules/@cloudflare/"},
		{"yarn berry pnp", nil, berry, ".yarn/unplugged/@cloudflare-"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			noEnv(t)
			dir := t.TempDir()
			files := map[string]string{"package.json": `{"name":"app","private":true}`}
			for k, v := range c.files {
				files[k] = v
			}
			layout(t, dir, files)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, c.cmd[0], c.cmd[1:]...)
			cmd.Dir = dir
			// Each package manager's own cache, kept out of the project.
			cmd.Env = append(os.Environ(), "COREPACK_ENABLE_DOWNLOAD_PROMPT=0", "YARN_ENABLE_GLOBAL_CACHE=true")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", strings.Join(c.cmd, " "), err, out)
			}
			b, err := Locate(LocateOptions{Dir: filepath.Join(dir)})
			if err != nil {
				t.Fatal(err)
			}
			if b.Source != SourceProject || b.Version != PinnedVersion || !strings.HasPrefix(b.Path, filepath.Join(dir, filepath.FromSlash(c.want))) {
				t.Errorf("Locate = %+v, want the project's %s under %s", b, PinnedVersion, c.want)
			}
			out, err := exec.Command(b.Path, "--version").Output()
			if err != nil || !strings.HasPrefix(string(out), "workerd ") {
				t.Errorf("%s --version: %q %v", b.Path, out, err)
			}
		})
	}
}
