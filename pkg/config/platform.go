package config

// The config types of the bindings that stand for Cloudflare platform
// services (Hyperdrive, rate limiting, email, Secrets Store, Analytics
// Engine, version metadata, Workers AI, Browser Rendering), with wrangler's
// field names. pkg/bindings gives each its local implementation.

// Hyperdrive binds a Hyperdrive config to env.Binding. Locally the worker
// connects to LocalConnectionString (or the database named by the
// CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_<BINDING> environment
// variable, which wins, as in wrangler dev).
type Hyperdrive struct {
	Binding               string `json:"binding" jsonschema:"required,description=Name of the binding in env"`
	ID                    string `json:"id" jsonschema:"required,description=ID of the Hyperdrive config on Cloudflare"`
	LocalConnectionString string `json:"localConnectionString,omitempty" jsonschema:"description=Database the worker connects to under valet (postgres://user:password@host:port/database or mysql://...)"`
}

// RateLimit binds a rate limiter to env.Name: Limit requests per Period
// seconds for each key, counted in memory by the worker's runtime.
type RateLimit struct {
	Name        string          `json:"name" jsonschema:"required,description=Name of the binding in env"`
	NamespaceID string          `json:"namespace_id" jsonschema:"required,description=Identifier of the rate limiter (a positive integer as a string)"`
	Simple      RateLimitSimple `json:"simple" jsonschema:"required"`
}

// RateLimitSimple is a rate limit's only kind of configuration.
type RateLimitSimple struct {
	Limit  float64 `json:"limit" jsonschema:"required,description=Requests allowed per period and key"`
	Period int     `json:"period" jsonschema:"required,enum=10,enum=60,description=Length of the period in seconds: 10 or 60"`
}

// VersionMetadata binds the version's id, tag and timestamp to env.Binding.
type VersionMetadata struct {
	Binding string `json:"binding" jsonschema:"required,description=Name of the binding in env"`
}

// SendEmail binds an email sender to env.Name. valet writes each message
// sent to a local outbox instead of sending it.
type SendEmail struct {
	Name                        string   `json:"name" jsonschema:"required,description=Name of the binding in env"`
	DestinationAddress          string   `json:"destination_address,omitempty" jsonschema:"description=The only address the binding may send to"`
	AllowedDestinationAddresses []string `json:"allowed_destination_addresses,omitempty" jsonschema:"description=The addresses the binding may send to"`
	AllowedSenderAddresses      []string `json:"allowed_sender_addresses,omitempty" jsonschema:"description=The addresses the binding may send from"`
}

// SecretsStoreSecret binds one secret of a Secrets Store to env.Binding.
// Locally its value is the one `valet secrets-store secret create` stored.
type SecretsStoreSecret struct {
	Binding    string `json:"binding" jsonschema:"required,description=Name of the binding in env"`
	StoreID    string `json:"store_id" jsonschema:"required,description=ID of the store holding the secret"`
	SecretName string `json:"secret_name" jsonschema:"required,description=Name of the secret in the store"`
}

// AnalyticsEngineDataset binds an Analytics Engine dataset to env.Binding.
// valet writes each data point to a local file.
type AnalyticsEngineDataset struct {
	Binding string `json:"binding" jsonschema:"required,description=Name of the binding in env"`
	Dataset string `json:"dataset,omitempty" jsonschema:"description=Name of the dataset (default: the binding's name)"`
}

// AI binds Workers AI to env.Binding. It has no local implementation: the
// binding exists and each call to it fails with a message saying so.
type AI struct {
	Binding string `json:"binding" jsonschema:"required,description=Name of the binding in env"`
	Staging *bool  `json:"staging,omitempty"`
}

// Browser binds Browser Rendering to env.Binding. Like AI, it has no
// local implementation.
type Browser struct {
	Binding string `json:"binding" jsonschema:"required,description=Name of the binding in env"`
}

// Name is the binding's name; "" without the binding.
func (a *AI) Name() string {
	if a == nil {
		return ""
	}
	return a.Binding
}

// Name is the binding's name; "" without the binding.
func (b *Browser) Name() string {
	if b == nil {
		return ""
	}
	return b.Binding
}
