package bindings

import (
	_ "embed"
	"encoding/json"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// secretsStoreSecrets are `secrets_store_secrets`: get() answers the value
// `valet secrets-store secret create` stored under
// PersistTo/secrets-store, as wrangler dev answers the one `wrangler
// secrets-store secret create` stored locally, and throws `Secret "name"
// not found` without one (js/secrets_store.js).
var secretsStoreSecrets = &Kind{
	Name:  "secrets store secret",
	Order: 25,
	List: func(c *config.Config, _ []string) []Binding {
		var out []Binding
		for _, s := range c.SecretsStoreSecrets {
			out = append(out, Binding{Name: s.Binding, Value: s})
		}
		return out
	},
	Workerd: func(b Binding, ctx Context) (workerd.Binding, error) {
		dir, err := localDir(ctx, SecretsStoreDir, "secrets_store_secrets")
		if err != nil {
			return workerd.Binding{}, err
		}
		s := b.Value.(config.SecretsStoreSecret)
		ctx.Services.Add(diskDir(secretsStoreDisk, dir, false))
		ctx.Services.Add(entrypointWorker(secretsStoreService, "secrets_store.js", secretsStoreSource, serviceInner("STORE", secretsStoreDisk)))
		props, _ := json.Marshal(map[string]string{"store_id": s.StoreID, "secret_name": s.SecretName})
		return workerd.Binding{Name: b.Name, Member: "service", Value: workerd.NewStruct().
			Text("name", secretsStoreService).Text("entrypoint", "SecretsStoreSecret").
			Set("props", workerd.NewStruct().Text("json", string(props)).String()).String()}, nil
	},
	Type: func(Binding, TypeContext) (string, error) { return "SecretsStoreSecret", nil },
}

// SecretsStoreDir is where, under PersistTo, the local Secrets Store keeps
// its values (see pkg/secretsstore).
const SecretsStoreDir = "secrets-store"

const (
	secretsStoreService = "valet-secrets-store"
	secretsStoreDisk    = "valet-secrets-store-disk"
)

//go:embed js/secrets_store.js
var secretsStoreSource string
