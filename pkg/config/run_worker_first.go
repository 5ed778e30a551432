package config

import (
	"fmt"
	"strings"
)

// Limits Cloudflare puts on assets.run_worker_first rules (wrangler's
// parseStaticRouting refuses a config past them, in dev as in deploy).
const (
	maxRunWorkerFirstRules      = 100
	maxRunWorkerFirstRuleLength = 100
)

// checkRunWorkerFirst validates a run_worker_first list the way wrangler's
// parseStaticRouting does: at least one rule that sends requests to the
// worker, each rule starting with "/" or "!/" (checked while decoding), no
// rule too long, repeated, or made redundant by a glob of its own kind.
func (d *decoder) checkRunWorkerFirst(r RunWorkerFirst, path string) {
	if r.Routes == nil {
		return
	}
	n := d.nodeAt(path)
	if len(r.Routes) == 0 {
		d.errorf(n, `list the paths the worker answers before the assets, e.g. ["/api/*"], or use true or false`,
			"%sthe list of rules is empty", at(path))
		return
	}
	if len(r.Routes) > maxRunWorkerFirstRules {
		d.errorf(n, "merge rules with \"*\" globs, e.g. \"/api/*\"",
			"%s%d rules; Cloudflare allows %d at most", at(path), len(r.Routes), maxRunWorkerFirstRules)
	}
	var positives, negatives []int // indexes, by kind
	for i, rule := range r.Routes {
		switch {
		case strings.HasPrefix(rule, "!/"):
			negatives = append(negatives, i)
		case strings.HasPrefix(rule, "/"):
			positives = append(positives, i)
		}
	}
	if len(negatives) > 0 && len(positives) == 0 {
		d.errorf(n, `add a rule that sends requests to the worker, e.g. "/api/*", or remove run_worker_first`,
			"%sonly negative rules (\"!/...\"): no request would go to the worker first", at(path))
	}
	for _, group := range [][]int{positives, negatives} {
		d.checkRuleGroup(r.Routes, group, path)
	}
}

// checkRuleGroup checks the rules of one kind (all positive or all
// negative) against each other.
func (d *decoder) checkRuleGroup(rules []string, group []int, path string) {
	seen := map[string]bool{}
	for _, i := range group {
		rule, p := rules[i], index(path, i)
		n := d.nodeAt(p)
		if len(rule) > maxRunWorkerFirstRuleLength {
			d.errorf(n, "shorten it with a \"*\" glob",
				"%s%q is %d characters long; Cloudflare allows %d at most", at(p), rule, len(rule), maxRunWorkerFirstRuleLength)
		}
		if seen[rule] {
			d.errorf(n, "remove one of them", "%s%q is listed twice", at(p), rule)
			continue
		}
		seen[rule] = true
		for _, j := range group {
			glob := rules[j]
			if j != i && strings.HasSuffix(glob, "*") && strings.HasPrefix(rule, strings.TrimSuffix(glob, "*")) && rule != glob {
				d.errorf(n, fmt.Sprintf("remove %q", rule), "%s%q is redundant: %q already matches it", at(p), rule, glob)
				break
			}
		}
	}
}

// checkRunWorkerFirstWorker refuses run_worker_first without a worker, as
// wrangler does ("Cannot set run_worker_first without a Worker script"),
// and warns, as wrangler does, when true leaves the worker no way to the
// assets.
func (d *decoder) checkRunWorkerFirstWorker(c *Config, path string) {
	if c.Assets == nil || c.Assets.RunWorkerFirst.IsZero() {
		return
	}
	n := d.nodeAt(path)
	if c.Main == "" {
		d.errorf(n, `set "main" to the worker's entry module, or remove run_worker_first`,
			"%ssends requests to the worker, but there is no worker (\"main\" is not set)", at(path))
		return
	}
	if c.Assets.RunWorkerFirst.All && c.Assets.Binding == "" {
		d.warnf(n, `set assets.binding (e.g. "ASSETS") and answer with env.ASSETS.fetch(request)`,
			"%strue sends every request to the worker, which has no binding to fetch the assets with", at(path))
	}
}
