package config

import (
	"strconv"
	"strings"
	"testing"
)

// TestRunWorkerFirstRules: each config wrangler (4.86, dev and deploy)
// refuses is refused here too, at the rule it is about.
func TestRunWorkerFirstRules(t *testing.T) {
	long := "/" + strings.Repeat("a", 100)
	many := make([]string, 101)
	for i := range many {
		many[i] = `"/r` + strconv.Itoa(i) + `"`
	}
	for _, c := range []struct {
		src  string
		want []string // diagnostics, in order; none: valid
	}{
		{`{"main": "w.js", "assets": {"run_worker_first": ["/api/*", "!/api/docs/*"]}}`, nil},
		{`{"main": "w.js", "assets": {"run_worker_first": true, "binding": "ASSETS"}}`, nil},
		{`{"assets": {"run_worker_first": false}}`, nil},
		{`{"main": "w.js", "assets": {"run_worker_first": []}}`, []string{
			"v.jsonc:1:49: assets.run_worker_first: the list of rules is empty"}},
		{`{"main": "w.js", "assets": {"run_worker_first": ["!/x"]}}`, []string{
			`v.jsonc:1:49: assets.run_worker_first: only negative rules ("!/..."): no request would go to the worker first`}},
		{`{"main": "w.js", "assets": {"run_worker_first": ["/a", "/a"]}}`, []string{
			`v.jsonc:1:56: assets.run_worker_first[1]: "/a" is listed twice`}},
		{`{"main": "w.js", "assets": {"run_worker_first": ["/api/x", "/api/*", "!/d/*", "!/d/e"]}}`, []string{
			`v.jsonc:1:50: assets.run_worker_first[0]: "/api/x" is redundant: "/api/*" already matches it`,
			`v.jsonc:1:79: assets.run_worker_first[3]: "!/d/e" is redundant: "!/d/*" already matches it`}},
		{`{"main": "w.js", "assets": {"run_worker_first": ["/a/*", "!/a/*"]}}`, nil}, // different kinds
		{`{"main": "w.js", "assets": {"run_worker_first": ["` + long + `"]}}`, []string{
			`v.jsonc:1:50: assets.run_worker_first[0]: "` + long + `" is 101 characters long; Cloudflare allows 100 at most`}},
		{`{"main": "w.js", "assets": {"run_worker_first": [` + strings.Join(many[:100], ",") + `]}}`, nil},
		{`{"main": "w.js", "assets": {"run_worker_first": [` + strings.Join(many, ",") + `]}}`, []string{
			"v.jsonc:1:49: assets.run_worker_first: 101 rules; Cloudflare allows 100 at most"}},
		{`{"assets": {"run_worker_first": ["/api/*"]}}`, []string{
			`v.jsonc:1:33: assets.run_worker_first: sends requests to the worker, but there is no worker ("main" is not set)`}},
		{`{"assets": {"run_worker_first": true}}`, []string{
			`v.jsonc:1:33: assets.run_worker_first: sends requests to the worker, but there is no worker ("main" is not set)`}},
		{`{"main": "w.js", "assets": {"run_worker_first": true}}`, []string{
			"v.jsonc:1:49: warning: assets.run_worker_first: true sends every request to the worker, which has no binding to fetch the assets with"}},
		{`{"main": "w.js", "env": {"prod": {"assets": {"run_worker_first": ["!/x"]}}}}`, []string{
			`v.jsonc:1:66: env.prod.assets.run_worker_first: only negative rules ("!/..."): no request would go to the worker first`}},
	} {
		_, diags, _ := Parse("v.jsonc", []byte(c.src))
		var got []string
		for _, d := range diags {
			msg, _, _ := strings.Cut(d.String(), "\n")
			got = append(got, msg)
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%.90s:\n got %q\nwant %q", c.src, got, c.want)
		}
	}
}
