package bindings

import (
	_ "embed"
	"encoding/json"

	"github.com/valet-dev/valet/pkg/config"
	"github.com/valet-dev/valet/pkg/workerd"
)

// sendEmail is `send_email`: send() checks the message against the
// binding's allowed addresses and the message's headers, as Cloudflare and
// wrangler dev do, then writes it to the outbox under PersistTo/email (in
// wrangler dev's layout) and logs the file's path (js/email.js).
var sendEmail = &Kind{
	Name:  "send email",
	Order: 24,
	List: func(c *config.Config, _ []string) []Binding {
		var out []Binding
		for _, e := range c.SendEmail {
			out = append(out, Binding{Name: e.Name, Value: e})
		}
		return out
	},
	Workerd: func(b Binding, ctx Context) (workerd.Binding, error) {
		dir, err := localDir(ctx, EmailOutboxDir, "send_email")
		if err != nil {
			return workerd.Binding{}, err
		}
		e := b.Value.(config.SendEmail)
		ctx.Services.Add(diskDir(emailOutboxService, dir, true))
		inner := []string{
			serviceInner("OUTBOX", emailOutboxService),
			jsonInner("DIR", quoteJSON(dir)),
		}
		// An absent key means "any address", so only the keys set are bound.
		if e.DestinationAddress != "" {
			inner = append(inner, jsonInner("destination_address", quoteJSON(e.DestinationAddress)))
		}
		for key, list := range map[string][]string{
			"allowed_destination_addresses": e.AllowedDestinationAddresses,
			"allowed_sender_addresses":      e.AllowedSenderAddresses,
		} {
			if list != nil {
				j, _ := json.Marshal(list)
				inner = append(inner, jsonInner(key, string(j)))
			}
		}
		service := "valet-send-email-" + b.Name
		ctx.Services.Add(entrypointWorker(service, "email.js", emailSource, inner...))
		return workerd.Binding{Name: b.Name, Member: "service",
			Value: workerd.NewStruct().Text("name", service).Text("entrypoint", "SendEmailBinding").String()}, nil
	},
	Type: func(Binding, TypeContext) (string, error) { return "SendEmail", nil },
}

// EmailOutboxDir is where, under PersistTo, sent messages go.
const EmailOutboxDir = "email"

const emailOutboxService = "valet-email-outbox"

//go:embed js/email.js
var emailSource string

func quoteJSON(s string) string {
	j, _ := json.Marshal(s)
	return string(j)
}
