package bindings

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// hyperdrive is `hyperdrive`: workerd's Hyperdrive binding (connectionString,
// host, port, user, ... and connect()), whose connections go straight to
// the database of the binding's local connection string through an
// external TCP service, as wrangler dev's do. The worker's driver talks to
// workerd in plain text (sslmode=disable in the connection string it
// sees), which does not encrypt either.
var hyperdrive = &Kind{
	Name:  "hyperdrive",
	Order: 21,
	List: func(c *config.Config, _ []string) []Binding {
		var out []Binding
		for _, h := range c.Hyperdrive {
			out = append(out, Binding{Name: h.Binding, Value: h})
		}
		return out
	},
	Workerd: func(b Binding, ctx Context) (workerd.Binding, error) {
		h := b.Value.(config.Hyperdrive)
		t, err := parseHyperdrive(h)
		if err != nil {
			return workerd.Binding{}, err
		}
		service := "valet-hyperdrive-" + b.Name
		ctx.Services.Add(workerd.Service{Name: service, Value: "external = " +
			workerd.NewStruct().Text("address", t.address).Set("tcp", "()").String()})
		return workerd.Binding{Name: b.Name, Member: "hyperdrive", Value: workerd.NewStruct().
			Set("designator", workerd.NewStruct().Text("name", service).String()).
			Text("database", t.database).Text("user", t.user).Text("password", t.password).Text("scheme", t.scheme).
			String()}, nil
	},
	Type: func(Binding, TypeContext) (string, error) { return "Hyperdrive", nil },
}

// HyperdriveEnvPrefix names the environment variable that gives a binding
// its local connection string (…_<BINDING>), over the config's, as in
// wrangler dev.
const HyperdriveEnvPrefix = "CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_"

// hyperdriveDeprecatedPrefix is the variable's older name, still read.
const hyperdriveDeprecatedPrefix = "WRANGLER_HYPERDRIVE_LOCAL_CONNECTION_STRING_"

// HyperdriveFromEnv returns c with each Hyperdrive binding's local
// connection string taken from the environment when a variable gives one
// (c itself when none does), and a note per variable used.
func HyperdriveFromEnv(c *config.Config, lookup func(string) (string, bool)) (*config.Config, []string) {
	if c == nil || len(c.Hyperdrive) == 0 {
		return c, nil
	}
	var notes []string
	hs := append([]config.Hyperdrive(nil), c.Hyperdrive...)
	changed := false
	for i, h := range hs {
		for _, prefix := range []string{HyperdriveEnvPrefix, hyperdriveDeprecatedPrefix} {
			v, ok := lookup(prefix + h.Binding)
			if !ok || v == "" {
				continue
			}
			hs[i].LocalConnectionString = v
			changed = true
			note := fmt.Sprintf("hyperdrive %s: connecting to the database of %s%s", h.Binding, prefix, h.Binding)
			if prefix == hyperdriveDeprecatedPrefix {
				note += fmt.Sprintf(" (a deprecated name: use %s%s)", HyperdriveEnvPrefix, h.Binding)
			}
			notes = append(notes, note)
			break
		}
	}
	if !changed {
		return c, nil
	}
	out := *c
	out.Hyperdrive = hs
	return &out, notes
}

// hyperdriveTarget is what a local connection string says.
type hyperdriveTarget struct {
	scheme, user, password, database string
	address                          string // host:port
}

// parseHyperdrive checks the binding's local connection string as wrangler
// dev does and returns where it leads.
func parseHyperdrive(h config.Hyperdrive) (hyperdriveTarget, error) {
	fail := func(msg, hint string) error {
		return &config.Error{Diagnostics: []config.Diagnostic{{Severity: config.SeverityError,
			Message: fmt.Sprintf("hyperdrive %s: %s", h.Binding, msg), Hint: hint}}}
	}
	conn := h.LocalConnectionString
	if conn == "" {
		return hyperdriveTarget{}, fail("no local connection string: valet connects the binding to a database of your own",
			fmt.Sprintf(`set "localConnectionString" in the binding, e.g. "postgres://user:password@127.0.0.1:5432/postgres", or the environment variable %s%s`, HyperdriveEnvPrefix, h.Binding))
	}
	example := "e.g. postgres://user:password@127.0.0.1:5432/postgres"
	u, err := url.Parse(conn)
	if err != nil || u.Scheme == "" {
		return hyperdriveTarget{}, fail("the local connection string is not a URL", example)
	}
	var port, sslKey string
	switch u.Scheme {
	case "postgres", "postgresql":
		port, sslKey = "5432", "sslmode"
	case "mysql":
		port, sslKey = "3306", "ssl-mode"
	default:
		return hyperdriveTarget{}, fail(fmt.Sprintf("scheme %q: only PostgreSQL-compatible or MySQL-compatible databases are supported", u.Scheme), example)
	}
	pw, _ := u.User.Password()
	switch {
	case u.Hostname() == "":
		return hyperdriveTarget{}, fail("the local connection string has no host name or IP address", example)
	case strings.TrimPrefix(u.Path, "/") == "":
		return hyperdriveTarget{}, fail("the local connection string names no database (its path, e.g. /postgres)", example)
	case u.User.Username() == "":
		return hyperdriveTarget{}, fail("the local connection string has no user name", example)
	case pw == "":
		return hyperdriveTarget{}, fail("the local connection string has no password", example)
	}
	if p := u.Port(); p != "" {
		port = p
	}
	if mode := sslMode(u, sslKey); mode != "disable" && mode != "prefer" {
		return hyperdriveTarget{}, fail(fmt.Sprintf("%s=%s: valet's local Hyperdrive connects without TLS", sslKey, mode),
			fmt.Sprintf("use a database reachable without TLS (%s=disable), e.g. a local one", sslKey))
	}
	return hyperdriveTarget{
		scheme:   u.Scheme,
		user:     u.User.Username(),
		password: pw,
		database: strings.TrimPrefix(u.Path, "/"),
		address:  net.JoinHostPort(u.Hostname(), port),
	}, nil
}

// sslMode returns the TLS mode a connection string asks for, in
// PostgreSQL's terms; "disable" when it says nothing, as in wrangler dev.
func sslMode(u *url.URL, key string) string {
	for k, v := range u.Query() {
		k = strings.ToLower(k)
		if len(v) == 0 || (k != key && k != "sslmode" && k != "ssl") {
			continue
		}
		switch m := strings.ToLower(v[0]); m {
		case "disabled", "false", "0":
			return "disable"
		case "preferred":
			return "prefer"
		case "required", "true", "1":
			return "require"
		case "verify_ca":
			return "verify-ca"
		case "verify_identity":
			return "verify-full"
		default:
			return m
		}
	}
	return "disable"
}
