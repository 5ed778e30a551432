package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// nodeAt returns the node decoded at path, or at its closest ancestor, so
// that a missing value is reported where it should have been.
func (d *decoder) nodeAt(path string) *node {
	for {
		if n, ok := d.vals[path]; ok {
			return n
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return d.vals[""]
		}
		path = path[:i]
	}
}

// keyAt returns the key node of path, falling back to its value.
func (d *decoder) keyAt(path string) *node {
	if n, ok := d.keys[path]; ok {
		return n
	}
	return d.nodeAt(path)
}

var reDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// checkValues validates the values of one config section (the top level or
// one env.<name>) that the types alone cannot: dates, durations, URLs,
// identifiers and uniqueness within the section.
func (d *decoder) checkValues(c *Config, prefix string) {
	p := func(s string) string { return join(prefix, s) }

	if c.CompatibilityDate != "" {
		n := d.nodeAt(p("compatibility_date"))
		if !reDate.MatchString(c.CompatibilityDate) {
			d.errorf(n, `use YYYY-MM-DD, e.g. "2025-06-01"`, "%s%q is not a date in the form YYYY-MM-DD", at(p("compatibility_date")), c.CompatibilityDate)
		} else if _, err := time.Parse(time.DateOnly, c.CompatibilityDate); err != nil {
			d.errorf(n, `use a real calendar date, e.g. "2025-06-01"`, "%s%q is not a valid date", at(p("compatibility_date")), c.CompatibilityDate)
		}
	}

	d.checkPlatform(c, p)

	if c.DurableObjects != nil {
		for i, b := range c.DurableObjects.Bindings {
			bp := index(p("durable_objects.bindings"), i)
			d.checkIdentifier(b.Name, bp+".name", true)
		}
	}
	if c.Assets != nil {
		d.checkIdentifier(c.Assets.Binding, p("assets.binding"), true)
		d.checkRunWorkerFirst(c.Assets.RunWorkerFirst, p("assets.run_worker_first"))
	}
	for name := range c.Vars {
		d.checkIdentifier(name, p("vars."+name), false)
	}
	for i, b := range c.KVNamespaces {
		d.checkIdentifier(b.Binding, index(p("kv_namespaces"), i)+".binding", true)
	}
	for i, b := range c.D1Databases {
		d.checkIdentifier(b.Binding, index(p("d1_databases"), i)+".binding", true)
	}
	for i, b := range c.R2Buckets {
		bp := index(p("r2_buckets"), i)
		d.checkIdentifier(b.Binding, bp+".binding", true)
		if b.S3 != nil {
			d.checkEndpoint(b.S3.Endpoint, bp+".s3.endpoint")
		}
	}

	d.checkAsyncBindings(c, p)

	tags := map[string]string{}
	for i, m := range c.Migrations {
		mp := index(p("migrations"), i)
		if m.Tag == "" {
			continue
		}
		if first, dup := tags[m.Tag]; dup {
			// wrangler dev runs such a config; only a deploy is refused.
			d.warnf(d.nodeAt(mp+".tag"), "give every migration its own tag, e.g. \"v"+fmt.Sprint(i+1)+"\"",
				"%smigration tag %q is already used by %s; a deploy to Cloudflare would refuse it", at(mp+".tag"), m.Tag, first)
			continue
		}
		tags[m.Tag] = mp
	}

	classes := map[string]string{}
	for i, ct := range c.Containers {
		cp := index(p("containers"), i)
		if ct.ClassName == "" {
			continue
		}
		if first, dup := classes[ct.ClassName]; dup {
			d.errorf(d.nodeAt(cp+".class_name"), "each Durable Object class is backed by one container; remove one of them",
				"%sclass %q already has a container (%s)", at(cp+".class_name"), ct.ClassName, first)
			continue
		}
		classes[ct.ClassName] = cp
	}

	if c.Deploy != nil {
		d.checkHost(c.Deploy.Host, p("deploy.host"))
		d.checkDeployHosts(c.Deploy, prefix)
		if c.Deploy.Cluster != nil {
			d.checkCluster(c.Deploy.Cluster, prefix)
		}
		if hc := c.Deploy.Healthcheck; hc != nil {
			hp := p("deploy.healthcheck")
			if hc.Path != "" && !strings.HasPrefix(hc.Path, "/") {
				d.errorf(d.nodeAt(hp+".path"), fmt.Sprintf("use an absolute path, e.g. %q", "/"+hc.Path), "%s%q does not start with /", at(hp+".path"), hc.Path)
			}
			for _, f := range []struct{ key, val string }{{"interval", hc.Interval}, {"timeout", hc.Timeout}, {"deadline", hc.Deadline}} {
				d.checkDuration(f.val, hp+"."+f.key)
			}
		}
	}
}

var (
	reIdent    = regexp.MustCompile(`^[\p{L}_$][\p{L}\p{N}_$]*$`)
	reNotIdent = regexp.MustCompile(`[^\p{L}\p{N}_$]`)
)

// checkIdentifier reports a binding name that is not a JavaScript
// identifier: env.MY-DO does not parse. For vars it is a warning, since
// env["MY-VAR"] still works.
func (d *decoder) checkIdentifier(name, path string, strict bool) {
	if name == "" || reIdent.MatchString(name) {
		return
	}
	fixed := reNotIdent.ReplaceAllString(name, "_")
	if fixed == "" || (fixed[0] >= '0' && fixed[0] <= '9') {
		fixed = "_" + fixed
	}
	hint := fmt.Sprintf("use letters, digits, _ and $, not starting with a digit, e.g. %q", fixed)
	if strict {
		d.errorf(d.nodeAt(path), hint, "%s%q is not a valid JavaScript identifier", at(path), name)
		return
	}
	d.warnf(d.keyAt(path), hint+`; otherwise the worker must read it as env["`+name+`"]`, "%s%q is not a valid JavaScript identifier", at(path), name)
}

// checkHost accepts the Docker Engine addresses valet can reach.
func (d *decoder) checkHost(host, path string) {
	if host == "" {
		return
	}
	hint := "use unix:///var/run/docker.sock, tcp://host:2376 or ssh://user@host[:port]"
	u, err := url.Parse(host)
	if err != nil || !strings.Contains(host, "://") {
		d.errorf(d.nodeAt(path), hint, "%s%q is not a Docker Engine address", at(path), host)
		return
	}
	switch u.Scheme {
	case "unix":
		if u.Path == "" {
			d.errorf(d.nodeAt(path), "give the socket's absolute path, e.g. unix:///var/run/docker.sock", "%s%q has no socket path", at(path), host)
		}
	case "tcp", "ssh":
		if u.Hostname() == "" {
			d.errorf(d.nodeAt(path), hint, "%s%q has no host name", at(path), host)
		}
	default:
		d.errorf(d.nodeAt(path), hint, "%sscheme %q is not supported", at(path), u.Scheme)
	}
}

// checkEndpoint accepts an S3 API's http(s) URL.
func (d *decoder) checkEndpoint(v, path string) {
	u, err := url.Parse(v)
	if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return
	}
	d.errorf(d.nodeAt(path), "use the store's URL, e.g. https://s3.us-east-1.amazonaws.com or http://127.0.0.1:9000", "%s%q is not an http(s) URL", at(path), v)
}

func (d *decoder) checkDuration(v, path string) {
	if v == "" {
		return
	}
	dur, err := time.ParseDuration(v)
	if err != nil {
		d.errorf(d.nodeAt(path), `use a Go duration such as "500ms", "5s" or "1m"`, "%s%q is not a duration", at(path), v)
		return
	}
	if dur <= 0 {
		d.errorf(d.nodeAt(path), `use a positive duration such as "1s"`, "%s%q is not positive", at(path), v)
	}
}

// checkRefs validates one resolved view of the config (the top level or an
// environment): classes, migrations and binding names must agree. pathOf
// says where a top-level key of the view was written.
func (d *decoder) checkRefs(c *Config, pathOf func(key string) string) {
	d.checkRunWorkerFirstWorker(c, pathOf("assets")+".run_worker_first")
	d.checkDeployShape(c.Deploy, pathOf)
	bound := map[string]bool{}
	var bindings []DurableObjectBinding
	if c.DurableObjects != nil {
		bindings = c.DurableObjects.Bindings
	}
	for _, b := range bindings {
		if b.ScriptName == "" {
			bound[b.ClassName] = true
		}
	}
	// Exported classes are reachable through ctx.exports without a binding.
	exported := c.ExportedClasses()
	for _, cl := range exported {
		bound[cl] = true
	}
	for i, ct := range c.Containers {
		if ct.ClassName == "" || bound[ct.ClassName] {
			continue
		}
		path := index(pathOf("containers"), i) + ".class_name"
		d.errorf(d.nodeAt(path),
			fmt.Sprintf(`add {"name": %q, "class_name": %q} to durable_objects.bindings`, bindingName(ct.ClassName), ct.ClassName),
			"%sclass %q has no Durable Object binding", at(path), ct.ClassName)
	}

	// Replay the migrations to know which classes exist at the end.
	live := map[string]bool{}
	for _, cl := range exported {
		live[cl] = true
	}
	deletedBy := map[string]string{}
	for _, m := range c.Migrations {
		for _, cl := range slices.Concat(m.NewClasses, m.NewSqliteClasses) {
			live[cl] = true
		}
		for _, r := range m.RenamedClasses {
			delete(live, r.From)
			live[r.To] = true
		}
		for _, t := range m.TransferredClasses {
			live[t.To] = true
		}
		for _, cl := range m.DeletedClasses {
			delete(live, cl)
			deletedBy[cl] = m.Tag
		}
	}
	nextTag := fmt.Sprintf("v%d", len(c.Migrations)+1)
	for i, b := range bindings {
		if b.ScriptName != "" || b.ClassName == "" || live[b.ClassName] {
			continue
		}
		path := index(pathOf("durable_objects")+".bindings", i) + ".class_name"
		hint := fmt.Sprintf(`add {"tag": %q, "new_sqlite_classes": [%q]} to migrations`, nextTag, b.ClassName)
		switch {
		case deletedBy[b.ClassName] != "":
			d.errorf(d.nodeAt(path), "remove the binding, or the class from deleted_classes",
				"%sclass %q is deleted by migration %q", at(path), b.ClassName, deletedBy[b.ClassName])
		case len(c.Migrations) == 0 && len(exported) > 0:
			d.errorf(d.nodeAt(path), fmt.Sprintf(`add "%s": {"type": "durable-object", "storage": "sqlite"} to exports`, b.ClassName),
				"%sclass %q is not declared in exports", at(path), b.ClassName)
		case len(c.Migrations) == 0:
			// wrangler itself only warns here: a local run works without.
			d.warnf(d.nodeAt(path), hint, "%sclass %q is not created by any migration (there are none); valet deploy needs one", at(path), b.ClassName)
		default:
			d.errorf(d.nodeAt(path), hint, "%sclass %q is not created by any migration", at(path), b.ClassName)
		}
	}

	// Bindings share env: a name may be used once.
	type use struct {
		path string
		n    *node
	}
	seen := map[string]use{}
	add := func(name, path string, n *node) {
		if name == "" {
			return
		}
		if first, dup := seen[name]; dup {
			line, _ := d.src.pos(first.n)
			d.errorf(n, "bindings share env; rename one of them",
				"%sbinding %q is already defined by %s (line %d)", at(path), name, first.path, line)
			return
		}
		seen[name] = use{path, n}
	}
	vars := make([]string, 0, len(c.Vars))
	for name := range c.Vars {
		vars = append(vars, name)
	}
	sort.Slice(vars, func(i, j int) bool {
		li, ci := d.src.pos(d.keyAt(join(pathOf("vars"), vars[i])))
		lj, cj := d.src.pos(d.keyAt(join(pathOf("vars"), vars[j])))
		return li < lj || li == lj && ci < cj
	})
	for _, name := range vars {
		p := join(pathOf("vars"), name)
		add(name, p, d.keyAt(p))
	}
	for i, b := range bindings {
		p := index(pathOf("durable_objects")+".bindings", i) + ".name"
		add(b.Name, p, d.nodeAt(p))
	}
	if c.Assets != nil {
		p := pathOf("assets") + ".binding"
		add(c.Assets.Binding, p, d.nodeAt(p))
	}
}

// bindingName suggests an env name for a class: Container → CONTAINER,
// ChatRoom → CHAT_ROOM.
func bindingName(class string) string {
	var b strings.Builder
	for i, r := range class {
		if i > 0 && r >= 'A' && r <= 'Z' {
			prev := class[i-1]
			if prev >= 'a' && prev <= 'z' {
				b.WriteByte('_')
			}
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}
