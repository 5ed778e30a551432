package conformance

import (
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/valet-dev/valet/pkg/config"
)

// bindingKeys are the config keys that declare bindings (wrangler's), as
// opposed to settings.
var bindingKeys = []string{
	"vars", "durable_objects", "assets", "containers", "kv_namespaces", "d1_databases", "r2_buckets",
	"queues", "workflows", "services", "hyperdrive", "ratelimits", "version_metadata", "send_email",
	"secrets_store_secrets", "analytics_engine_datasets", "ai", "browser", "dispatch_namespaces",
	"unsafe", "vectorize", "images", "mtls_certificates", "pipelines", "worker_loaders", "vpc_services",
}

// Which binding keys work under valet, and where.
var (
	// branchKeys are this branch's (issue 14 item 8): each must be
	// understood, never only warned about.
	branchKeys = []string{"hyperdrive", "ratelimits", "version_metadata", "send_email",
		"secrets_store_secrets", "analytics_engine_datasets", "ai", "browser"}
	// inFlightKeys are the kinds other branches implement: KV, D1, R2
	// (b-storage); Queues, Workflows, services (b-async).
	inFlightKeys = []string{"kv_namespaces", "d1_databases", "r2_buckets", "queues", "workflows", "services"}
	// noLocalKeys are bound but cannot run locally: their calls fail.
	noLocalKeys = []string{"ai", "browser"}
)

// The 37 templates of github.com/cloudflare/templates by what their
// bindings need, as their configs declare them (testdata/cloudflare-templates).
var (
	templatesWorking = []string{
		"astro-blog-starter-template", "containers-template", "durable-chat-template", "hello-world-do-template",
		"multiplayer-globe-template", "mysql-hyperdrive-template", "next-starter-template", "nodejs-http-server-template",
		"postgres-hyperdrive-template", "react-postgres-fullstack-template", "react-router-hono-fullstack-template",
		"react-router-starter-template", "react-starter-template", "remix-starter-template", "vite-react-template",
		"x402-proxy-template",
	}
	templatesInFlight = []string{
		"agent-commerce-analytics-template", "chanfana-openapi-template", "d1-starter-sessions-api-template",
		"d1-template", "microfrontend-template", "openauth-template", "r2-explorer-template",
		"react-router-postgres-ssr-template", "saas-admin-template", "to-do-list-kv-template",
		"workers-builds-notifications-template", "workflows-starter-template",
	}
	templatesNotLocal = []string{
		// Workers AI (and, for nlweb, an unsafe binding).
		"agent-visibility-template", "ai-brand-visibility-template", "commerce-llms-txt-template",
		"llm-chat-app-template", "nlweb-template", "text-to-image-template",
		// Workers for Platforms' dispatch namespaces.
		"internal-sites-template", "worker-publisher-template", "workers-for-platforms-template",
	}
)

var unsupportedKey = regexp.MustCompile(`wrangler key "(?:env\.[^.]+\.)?([a-z0-9_]+)" is not supported by valet yet`)

// TestCloudflareTemplates loads the config of each Cloudflare template
// with pkg/config and sorts the templates by whether each of their
// bindings works under valet: now, once the other branches of issue 14
// land, or not locally at all. No binding key of this branch's kinds may
// be only a warning.
func TestCloudflareTemplates(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "..", "testdata", "cloudflare-templates", "*", "wrangler.json*"))
	for i := range dirs {
		dirs[i] = filepath.Dir(dirs[i])
	}
	if err != nil || len(dirs) != 37 {
		t.Fatalf("%d template configs (%v), want 37", len(dirs), err)
	}
	var working, inFlight, notLocal []string
	declared := map[string]int{}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			p, err := config.Load(config.LoadOptions{Dir: dir})
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			raw := string(p.Raw)
			var keys []string
			for _, k := range bindingKeys {
				if regexp.MustCompile(`"` + k + `"\s*:`).MatchString(stripComments(raw)) {
					keys = append(keys, k)
					declared[k]++
				}
			}
			warned := map[string]bool{}
			for _, w := range p.Warnings {
				if m := unsupportedKey.FindStringSubmatch(w.Message); m != nil && slices.Contains(bindingKeys, m[1]) {
					warned[m[1]] = true
				}
			}
			for _, k := range branchKeys {
				if warned[k] {
					t.Errorf("%s: %q is only a warning", name, k)
				}
			}
			where := "working"
			for _, k := range keys {
				switch {
				case slices.Contains(noLocalKeys, k), warned[k] && !slices.Contains(inFlightKeys, k):
					where = "not local"
				case warned[k] && where == "working":
					where = "in flight"
				}
			}
			switch where {
			case "working":
				working = append(working, name)
			case "in flight":
				inFlight = append(inFlight, name)
			default:
				notLocal = append(notLocal, name)
			}
			t.Logf("%s: %s (%s)", where, strings.Join(keys, " "), name)
		})
	}
	// Once the other branches land, their templates move to working.
	for _, c := range []struct {
		what      string
		got, want []string
		allowed   []string
	}{
		{"work under valet now", working, templatesWorking, working},
		{"work once KV, D1, R2, Queues, Workflows and services land", inFlight, templatesInFlight, append(append([]string(nil), working...), inFlight...)},
		{"have a binding with no local implementation", notLocal, templatesNotLocal, notLocal},
	} {
		for _, name := range c.want {
			if !slices.Contains(c.allowed, name) {
				t.Errorf("%s should %s", name, c.what)
			}
		}
		sort.Strings(c.got)
		t.Logf("%d templates %s: %s", len(c.got), c.what, strings.Join(c.got, " "))
	}
	if n := len(working) + len(inFlight) + len(notLocal); n != 37 {
		t.Errorf("%d templates sorted, want 37", n)
	}
	t.Logf("binding keys declared, by templates: %v", declared)
}

// stripComments drops // and /* */ comments outside strings, so that a
// commented-out binding does not count.
func stripComments(s string) string {
	var b strings.Builder
	inString := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString:
			b.WriteByte(c)
			if c == '\\' && i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
			b.WriteByte(c)
		case c == '/' && i+1 < len(s) && s[i+1] == '/':
			for i < len(s) && s[i] != '\n' {
				i++
			}
			b.WriteByte('\n')
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			i += end + 3
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
